import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, outbox, startApi } from './harness.ts';

let api: Api;
let task: any;
beforeAll(async () => {
  api = await startApi();
  task = (
    await api.call('POST', '/api/tasks', {
      as: 'alice',
      json: {
        title: 'Secret plan',
        description: 'alice only',
        tags: ['private'],
        due_at: '2030-01-01T09:00:00Z',
      },
    })
  ).body;
  await api.call('POST', '/api/tasks', { as: 'bob', json: { title: 'Bob task' } });
});
afterAll(() => api.close());

describe("another user's task is exactly like a missing one", () => {
  it.each([
    ['GET', ''],
    ['PATCH', ''],
    ['DELETE', ''],
    ['POST', '/complete'],
    ['POST', '/reopen'],
  ])('%s /api/tasks/{id}%s answers 404', async (method, suffix) => {
    const res = await api.call(method, `/api/tasks/${task.id}${suffix}`, {
      as: 'bob',
      ...(method === 'PATCH' ? { json: { title: 'pwned' } } : {}),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('is absent from list, search, filters and export', async () => {
    for (const query of ['', 'status=all', 'q=secret', 'tag=private', 'sort=title']) {
      const res = await api.call('GET', `/api/tasks?${query}`, { as: 'bob' });
      expect(res.body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);
    }
    const json = await api.call('GET', '/api/tasks/export', { as: 'bob' });
    expect(json.body.tasks.map((t: { title: string }) => t.title)).toEqual(['Bob task']);
    const ics = await api.call('GET', '/api/tasks/export?format=ics', { as: 'bob' });
    expect(ics.text).not.toContain('Secret plan');
  });

  it("leaves alice's task unchanged and writes no event for bob's attempts", async () => {
    const res = await api.call('GET', `/api/tasks/${task.id}`, { as: 'alice' });
    expect(res.body).toEqual(task);
    const rows = await outbox(api.db);
    expect(rows.filter((r) => r.user_id === 'bob').map((r) => r.event_type)).toEqual(['task.created']);
  });
});
