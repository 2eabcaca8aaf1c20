import { purgeChangeHistory } from '@nudge/core';
import { manualClock } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, startApi, token } from './harness.ts';

let api: Api;
const clock = manualClock('2026-11-29T10:00:00.000Z');

beforeAll(async () => {
  api = await startApi({ clock, env: { STREAM_HEARTBEAT_SECONDS: '1', STREAM_MAX_SECONDS: '3' } });
});
afterAll(() => api.close());

/** Reads an SSE body chunk by chunk; `until` waits for text matching a pattern. */
function reader(response: Response) {
  const stream = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    get text() {
      return text;
    },
    async until(pattern: RegExp, ms = 3_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (!pattern.test(text)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${pattern} within ${ms} ms; got ${JSON.stringify(text)}`);
        const next = await Promise.race([
          stream.read(),
          new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
        ]);
        if (next === 'timeout') continue;
        if (next.done) throw new Error(`stream ended without ${pattern}; got ${JSON.stringify(text)}`);
        text += decoder.decode(next.value);
      }
      return text;
    },
    /** Resolves true when the server ends the stream within `ms`. */
    async ended(ms: number): Promise<boolean> {
      const deadline = Date.now() + ms;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        const next = await Promise.race([
          stream.read(),
          new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
        ]);
        if (next === 'timeout') return false;
        if (next.done) return true;
        text += decoder.decode(next.value);
      }
    },
    cancel: () => stream.cancel(),
  };
}

const openStream = async (path: string, headers: Record<string, string> = {}) =>
  api.app.request(path, { headers });
const bearer = async (sub: string) => ({ authorization: `Bearer ${await token(sub)}` });
const ticketFor = async (sub: string) =>
  (await api.call('POST', '/api/stream/ticket', { as: sub })).body.ticket as string;
const waitForSize = async (size: number) => {
  for (let i = 0; i < 100 && api.deps.streams.size !== size; i += 1)
    await new Promise((r) => setTimeout(r, 20));
  return api.deps.streams.size;
};

describe('GET /api/sync', () => {
  it('answers a snapshot, then what changed since its cursor, then deletions as tombstones', async () => {
    const created = await api.call('POST', '/api/tasks', { as: 'ann', json: { title: 'Pay rent' } });
    const snapshot = await api.call('GET', '/api/sync', { as: 'ann' });
    expect(snapshot.status).toBe(200);
    expect(snapshot.body).toMatchObject({
      tasks: [{ id: created.body.id, title: 'Pay rent' }],
      next_page: null,
    });

    await api.call('PATCH', `/api/tasks/${created.body.id}`, { as: 'ann', json: { priority: 'urgent' } });
    const delta = await api.call('GET', `/api/sync?cursor=${snapshot.body.cursor}`, { as: 'ann' });
    expect(delta.body).toMatchObject({
      changes: [{ task: { id: created.body.id, priority: 'urgent' } }],
      has_more: false,
    });

    await api.call('DELETE', `/api/tasks/${created.body.id}`, { as: 'ann' });
    const gone = await api.call('GET', `/api/sync?cursor=${delta.body.cursor}`, { as: 'ann' });
    expect(gone.body.changes).toEqual([{ deleted: created.body.id }]);
  });

  it('pages a snapshot with limit and next_page, every page with the same cursor', async () => {
    for (const title of ['a', 'b', 'c']) await api.call('POST', '/api/tasks', { as: 'pat', json: { title } });
    const first = await api.call('GET', '/api/sync?limit=2', { as: 'pat' });
    expect(first.body.tasks).toHaveLength(2);
    const second = await api.call('GET', `/api/sync?limit=2&page=${first.body.next_page}`, { as: 'pat' });
    expect(second.body).toMatchObject({ cursor: first.body.cursor, next_page: null });
    expect(second.body.tasks).toHaveLength(1);
  });

  it('rejects a malformed or foreign cursor with 400 on `cursor`, and bad parameters by name', async () => {
    const foreign = (await api.call('GET', '/api/sync', { as: 'bob' })).body.cursor;
    for (const cursor of ['%%%', foreign]) {
      const answer = await api.call('GET', `/api/sync?cursor=${encodeURIComponent(cursor)}`, { as: 'ann' });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'cursor' }] });
    }
    expect((await api.call('GET', '/api/sync?limit=1001', { as: 'ann' })).body.error.details[0].path).toBe(
      'limit',
    );
    expect((await api.call('GET', '/api/sync?since=1', { as: 'ann' })).status).toBe(400);
  });

  it('answers 410 cursor_expired once the tombstones a cursor needs are purged', async () => {
    const created = await api.call('POST', '/api/tasks', { as: 'old', json: { title: 'old' } });
    const cursor = (await api.call('GET', '/api/sync', { as: 'old' })).body.cursor;
    await api.call('DELETE', `/api/tasks/${created.body.id}`, { as: 'old' });
    await purgeChangeHistory(api.db, {
      now: new Date(Date.now() + 31 * 86_400_000),
      retentionMs: 30 * 86_400_000,
    });
    const answer = await api.call('GET', `/api/sync?cursor=${cursor}`, { as: 'old' });
    expect(answer.status).toBe(410);
    expect(answer.body.error.code).toBe('cursor_expired');
  });

  it('needs a bearer token: a stream ticket does not open the feed', async () => {
    const ticket = await ticketFor('ann');
    expect((await api.call('GET', `/api/sync?ticket=${ticket}`)).status).toBe(401);
  });
});

describe('GET /api/stream', () => {
  it('pushes `changed` with the new cursor after a commit, only to the user’s own streams', async () => {
    const ann = reader(await openStream('/api/stream', await bearer('ann')));
    const bob = reader(await openStream('/api/stream', await bearer('bob')));
    await ann.until(/: connected/);
    await bob.until(/: connected/);
    await api.call('POST', '/api/tasks', { as: 'ann', json: { title: 'Call mum' } });
    const text = await ann.until(/event: changed/);
    const cursor = (await api.call('GET', '/api/sync', { as: 'ann' })).body.cursor;
    expect(text).toContain(`id: ${cursor}\nevent: changed\ndata: {"cursor":"${cursor}"}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bob.text).not.toContain('changed');
    await ann.cancel();
    await bob.cancel();
    expect(await waitForSize(0)).toBe(0);
  });

  it('sends the SSE headers, a heartbeat comment, and ends after STREAM_MAX_SECONDS', async () => {
    const response = await openStream('/api/stream', await bearer('ann'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('cache-control')).toContain('no-cache');
    const stream = reader(response);
    await stream.until(/: ping\n\n/, 2_500);
    expect(await stream.ended(4_000)).toBe(true);
    expect(await waitForSize(0)).toBe(0);
  });

  it('with Last-Event-ID sends a `changed` event at once when the user’s data moved on, not otherwise', async () => {
    const stale = (await api.call('GET', '/api/sync', { as: 'cat' })).body.cursor;
    await api.call('POST', '/api/tasks', { as: 'cat', json: { title: 'meanwhile' } });
    const current = (await api.call('GET', '/api/sync', { as: 'cat' })).body.cursor;

    const behind = reader(
      await openStream('/api/stream', { ...(await bearer('cat')), 'last-event-id': stale }),
    );
    await behind.until(new RegExp(`id: ${current}\nevent: changed`));
    const viaQuery = reader(await openStream(`/api/stream?last_event_id=${stale}`, await bearer('cat')));
    await viaQuery.until(/event: changed/);
    const upToDate = reader(
      await openStream('/api/stream', { ...(await bearer('cat')), 'last-event-id': current }),
    );
    await upToDate.until(/: connected/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upToDate.text).not.toContain('changed');
    for (const stream of [behind, viaQuery, upToDate]) await stream.cancel();
  });
});

describe('stream tickets', () => {
  it('POST /api/stream/ticket answers 201 with a ticket valid for 60 s', async () => {
    const answer = await api.call('POST', '/api/stream/ticket', { as: 'ann' });
    expect(answer.status).toBe(201);
    expect(answer.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(answer.body.expires_at).getTime() - clock.now().getTime()).toBe(60_000);
  });

  it('opens the stream of the user it was issued to, once', async () => {
    const ticket = await ticketFor('dan');
    const dan = reader(await openStream(`/api/stream?ticket=${ticket}`));
    await dan.until(/: connected/);
    await api.call('POST', '/api/tasks', { as: 'eve', json: { title: 'not dan’s' } });
    await api.call('POST', '/api/tasks', { as: 'dan', json: { title: 'dan’s' } });
    await dan.until(/event: changed/);
    const danCursor = (await api.call('GET', '/api/sync', { as: 'dan' })).body.cursor;
    expect(dan.text.match(/event: changed/g)).toHaveLength(1);
    expect(dan.text).toContain(`id: ${danCursor}`);
    await dan.cancel();

    const reused = await openStream(`/api/stream?ticket=${ticket}`);
    expect(reused.status).toBe(401);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('refuses an expired ticket, an unknown one, and a JWT in the URL', async () => {
    const ticket = await ticketFor('ann');
    clock.advance(61_000);
    expect((await openStream(`/api/stream?ticket=${ticket}`)).status).toBe(401);
    expect((await openStream(`/api/stream?ticket=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await openStream(`/api/stream?ticket=${await token('ann')}`)).status).toBe(401);
    expect((await openStream('/api/stream?access_token=x')).status).toBe(401);
  });
});
