import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, startApi } from './harness.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi({ env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => api.close());
beforeEach(async () => {
  await api.db.deleteFrom('tasks').execute();
});

const create = async (json: Record<string, unknown>, as = 'alice') => {
  const res = await api.call('POST', '/api/tasks', { as, json });
  expect(res.status).toBe(201);
  return res.body;
};
const list = async (query: string, as = 'alice') => api.call('GET', `/api/tasks?${query}`, { as });
const titles = async (query: string) => {
  const res = await list(query);
  expect(res.status).toBe(200);
  return res.body.items.map((t: { title: string }) => t.title);
};

/** Follows next_cursor to the end and returns every id, in order. */
async function allPages(query: string, as = 'alice'): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`, as);
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((t: { id: string }) => t.id));
    cursor = res.body.next_cursor;
  } while (cursor);
  return ids;
}

describe('GET /api/tasks filters and sorting', () => {
  beforeEach(async () => {
    await create({ title: 'b-late', due_at: '2026-12-02T09:00:00Z', priority: 'low', tags: ['home'] });
    await create({
      title: 'a-early',
      due_at: '2026-12-01T09:00:00Z',
      priority: 'urgent',
      tags: ['work', 'q4'],
    });
    await create({
      title: 'c-none',
      priority: 'high',
      tags: ['work'],
      description: 'Call 100% of the CLIENTS',
    });
    const done = await create({ title: 'd-done', due_at: '2026-11-30T09:00:00Z', tags: ['work'] });
    await api.call('POST', `/api/tasks/${done.id}/complete`, { as: 'alice' });
  });

  it('lists open tasks by due date, those without one last, in both orders', async () => {
    expect(await titles('')).toEqual(['a-early', 'b-late', 'c-none']);
    expect(await titles('order=desc')).toEqual(['b-late', 'a-early', 'c-none']);
  });

  it('filters by status', async () => {
    expect(await titles('status=completed')).toEqual(['d-done']);
    expect(await titles('status=all')).toEqual(['d-done', 'a-early', 'b-late', 'c-none']);
  });

  it('filters by several priorities and by tags that must all match', async () => {
    expect(await titles('priority=urgent&priority=low')).toEqual(['a-early', 'b-late']);
    expect(await titles('tag=work')).toEqual(['a-early', 'c-none']);
    expect(await titles('tag=work&tag=q4')).toEqual(['a-early']);
  });

  it('searches title and description case-insensitively, % and _ taken literally', async () => {
    expect(await titles('q=EARLY')).toEqual(['a-early']);
    expect(await titles('q=clients')).toEqual(['c-none']);
    expect(await titles(`q=${encodeURIComponent('100%')}`)).toEqual(['c-none']);
    expect(await titles(`q=${encodeURIComponent('a_e')}`)).toEqual([]);
    expect(await titles(`q=${encodeURIComponent('a-e')}`)).toEqual(['a-early']);
  });

  it('filters by due window', async () => {
    expect(await titles('due_after=2026-12-01T09:00:00Z')).toEqual(['b-late']);
    expect(await titles('due_before=2026-12-02T09:00:00Z')).toEqual(['a-early']);
  });

  it('sorts by priority rank (urgent first by default), title and creation', async () => {
    expect(await titles('sort=priority')).toEqual(['a-early', 'c-none', 'b-late']);
    expect(await titles('sort=priority&order=asc')).toEqual(['b-late', 'c-none', 'a-early']);
    expect(await titles('sort=title')).toEqual(['a-early', 'b-late', 'c-none']);
    expect(await titles('sort=created_at&order=asc')).toEqual(['b-late', 'a-early', 'c-none']);
  });

  it.each([
    ['status=bogus', 'status'],
    ['priority=critical', 'priority.0'],
    ['sort=size', 'sort'],
    ['order=up', 'order'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['due_before=yesterday', 'due_before'],
    ['tags=work', '(root)'],
    ['cursor=garbage', 'cursor'],
  ])('rejects %s with 400 naming %s', async (query, path) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
  });
});

describe('pagination', () => {
  beforeEach(async () => {
    // Repeated due dates and priorities, and tasks without due date: ties are broken by id.
    for (let i = 0; i < 23; i += 1) {
      await create({
        title: `task ${String(i % 7).padStart(2, '0')}`,
        due_at: i % 4 === 0 ? null : `2026-12-0${1 + (i % 3)}T09:00:00Z`,
        priority: ['low', 'medium', 'high', 'urgent'][i % 4],
      });
    }
  });

  it.each([
    'sort=due_at',
    'sort=due_at&order=desc',
    'sort=priority',
    'sort=priority&order=asc',
    'sort=title',
    'sort=title&order=desc',
    'sort=created_at',
    'sort=updated_at&order=asc',
  ])('pages through %s with no gap and no repeat', async (query) => {
    const whole = (await list(`${query}&limit=200`)).body.items.map((t: { id: string }) => t.id);
    expect(whole).toHaveLength(23);
    expect(await allPages(`${query}&limit=4`)).toEqual(whole);
  });

  it('rejects a cursor issued for another sort or order', async () => {
    const { next_cursor } = (await list('sort=due_at&limit=2')).body;
    for (const query of ['sort=title', 'sort=due_at&order=desc']) {
      const res = await list(`${query}&cursor=${next_cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('cursor');
    }
  });

  it('never skips or repeats an existing task while others are inserted concurrently', async () => {
    for (const query of ['sort=due_at', 'sort=created_at', 'sort=title&order=desc']) {
      const before = (await list(`${query}&limit=200`)).body.items.map((t: { id: string }) => t.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const [page]: [Awaited<ReturnType<typeof list>>, ...unknown[]] = await Promise.all([
          list(`${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`),
          ...Array.from({ length: 3 }, (_, i) =>
            create({
              title: `task 0${i}`,
              due_at: i === 0 ? null : `2026-12-0${1 + ((round + i) % 3)}T09:00:00Z`,
            }),
          ),
        ]);
        seen.push(...page.body.items.map((t: { id: string }) => t.id));
        cursor = page.body.next_cursor;
        round += 1;
      } while (cursor && round < 100);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => before.includes(id))).toEqual(before);
    }
  });
});
