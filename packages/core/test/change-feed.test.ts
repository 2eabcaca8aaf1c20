import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type TestDatabase,
} from '@nudge/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  type Change,
  type ChangesPage,
  createStreamTicket,
  createTask,
  createTaskSchema,
  type Db,
  deleteTask,
  encodeCursor,
  listenForChanges,
  parseOrThrow,
  patchTaskSchema,
  purgeChangeHistory,
  readSync,
  redeemStreamTicket,
  type SnapshotPage,
  updateTask,
} from '../src/index.ts';
import { createLogger } from '../src/observability/logger.ts';

let testDb: TestDatabase;
let db: Db;
const now = new Date('2026-11-29T10:00:00.000Z');
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await insertUser(db, user);
});
afterAll(() => testDb.drop());

const snapshotOf = (userId: string, query: { page?: string; limit?: number } = {}) =>
  readSync(db, userId, { limit: 500, ...query }) as Promise<SnapshotPage>;
const changesOf = (userId: string, cursor: string, limit = 500) =>
  readSync(db, userId, { cursor, limit }) as Promise<ChangesPage>;
const cursorOf = async (userId: string) => (await snapshotOf(userId, { limit: 1 })).cursor;

const describeChange = (change: Change) =>
  'task' in change ? `task ${change.task.title}` : `deleted ${change.deleted}`;

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** A separate connection with a transaction the test drives statement by statement. */
async function openTransaction() {
  const client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  await client.query('begin');
  return {
    query: (text: string, values: unknown[] = []) => client.query(text, values),
    async commit() {
      await client.query('commit');
      await client.end();
    },
  };
}

describe('change feed', () => {
  it('answers creates, edits, reminder changes and deletions since a cursor, each task once', async () => {
    const start = await cursorOf('alice');
    const kept = await createTask(
      db,
      'alice',
      parseOrThrow(createTaskSchema, {
        title: 'Kept',
        reminders: [{ before: 'PT1H' }],
        due_at: '2026-12-01T09:00:00Z',
      }),
      now,
    );
    const gone = await createTask(db, 'alice', parseOrThrow(createTaskSchema, { title: 'Gone' }), now);
    await updateTask(db, 'alice', kept.id, parseOrThrow(patchTaskSchema, { title: 'Kept, renamed' }), now);
    await deleteTask(db, 'alice', gone.id, now);

    const page = await changesOf('alice', start);
    expect(page.changes.map(describeChange)).toEqual(['task Kept, renamed', `deleted ${gone.id}`]);
    expect(page.has_more).toBe(false);
    const [first] = page.changes;
    expect(first && 'task' in first && first.task.reminders).toHaveLength(1);

    // A reminder marked sent (on-reminder-due) changes what the task shows: the task comes again.
    await db
      .updateTable('reminders')
      .set({ status: 'sent', sent_at: now })
      .where('task_id', '=', kept.id)
      .execute();
    const afterSent = await changesOf('alice', page.cursor);
    expect(afterSent.changes).toHaveLength(1);
    expect(afterSent.changes[0]).toMatchObject({ task: { id: kept.id, reminders: [{ status: 'sent' }] } });
    expect(afterSent.cursor).not.toBe(page.cursor);

    // Nothing since the last cursor: same cursor back, no changes.
    expect(await changesOf('alice', afterSent.cursor)).toEqual({
      changes: [],
      cursor: afterSent.cursor,
      has_more: false,
    });
  });

  it('ignores bookkeeping a client cannot see: leases, dispatch marks, no-op updates', async () => {
    const task = await insertTaskRow(db, { user_id: 'dave', title: 'Quiet' });
    const reminder = await insertReminderRow(db, { task_id: task.id, user_id: 'dave', remind_at: now });
    const cursor = await cursorOf('dave');
    await db
      .updateTable('reminders')
      .set({ lease_until: now, dispatched_at: now, attempts: 3 })
      .where('id', '=', reminder.id)
      .execute();
    await db.updateTable('tasks').set({ title: 'Quiet' }).where('id', '=', task.id).execute();
    expect((await changesOf('dave', cursor)).changes).toEqual([]);
    expect(await cursorOf('dave')).toBe(cursor);
  });

  it('pages changes with has_more, then answers the counter', async () => {
    const start = await cursorOf('erin');
    for (let i = 0; i < 5; i += 1) await insertTaskRow(db, { user_id: 'erin', title: `t${i}` });
    const seen: string[] = [];
    let cursor = start;
    for (;;) {
      const page = await changesOf('erin', cursor, 2);
      seen.push(...page.changes.map(describeChange));
      cursor = page.cursor;
      if (!page.has_more) break;
      expect(page.changes).toHaveLength(2);
    }
    expect(seen).toEqual(['task t0', 'task t1', 'task t2', 'task t3', 'task t4']);
    expect(cursor).toBe(await cursorOf('erin'));
  });

  it('pages a snapshot by id with one cursor; what changes meanwhile comes in the feed', async () => {
    const tasks = [];
    for (let i = 0; i < 5; i += 1) tasks.push(await insertTaskRow(db, { user_id: 'carol', title: `c${i}` }));
    const first = await snapshotOf('carol', { limit: 2 });
    expect(first.next_page).not.toBeNull();
    // Changed while the client pages: a task already shown, deleted, and a new one.
    const shown = first.tasks[0]!;
    await db.updateTable('tasks').set({ title: 'changed meanwhile' }).where('id', '=', shown.id).execute();
    const added = await insertTaskRow(db, { user_id: 'carol', title: 'added meanwhile' });
    const all = [...first.tasks];
    let page = first;
    while (page.next_page) {
      page = await snapshotOf('carol', { page: page.next_page, limit: 2 });
      expect(page.cursor).toBe(first.cursor);
      all.push(...page.tasks);
    }
    expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort());
    expect(all.length).toBeGreaterThanOrEqual(5);
    const delta = await changesOf('carol', first.cursor);
    expect(delta.changes.map(describeChange).sort()).toEqual([
      'task added meanwhile',
      'task changed meanwhile',
    ]);
    expect(added.id).toBeTruthy();
  });

  it('never shows another user’s changes, not even as a cursor step', async () => {
    const aliceCursor = await cursorOf('alice');
    await insertTaskRow(db, { user_id: 'bob', title: 'Bob’s secret' });
    expect(await cursorOf('alice')).toBe(aliceCursor);
    expect((await changesOf('alice', aliceCursor)).changes).toEqual([]);
    const bobSnapshot = await snapshotOf('bob');
    expect(bobSnapshot.tasks.map((t) => t.title)).toEqual(['Bob’s secret']);
  });

  it('rejects malformed and foreign cursors and page tokens with 400 naming the field', async () => {
    for (const cursor of [
      'garbage',
      Buffer.from('v1.-1.abcdef01').toString('base64url'),
      Buffer.from('v1.1').toString('base64url'),
    ]) {
      const error = await rejection(changesOf('alice', cursor));
      expect(error.code).toBe('validation_failed');
      expect(error.details[0]?.path).toBe('cursor');
    }
    const foreign = await rejection(changesOf('alice', await cursorOf('bob')));
    expect([foreign.code, foreign.details[0]?.path, foreign.message]).toEqual([
      'validation_failed',
      'cursor',
      'cursor: belongs to another user',
    ]);
    const badPage = await rejection(snapshotOf('alice', { page: 'nope' }));
    expect(badPage.details[0]?.path).toBe('page');
  });

  it('purges tombstones after the retention and answers 410 to cursors older than the purge', async () => {
    const task = await insertTaskRow(db, { user_id: 'erin', title: 'to delete' });
    const before = await cursorOf('erin');
    await db.deleteFrom('tasks').where('id', '=', task.id).execute();
    const afterDelete = await cursorOf('erin');
    expect((await changesOf('erin', before)).changes).toEqual([{ deleted: task.id }]);

    // 29 days later the tombstone is kept; 31 days later it is purged.
    const retentionMs = 30 * 86_400_000;
    const purgeAt = (days: number) =>
      purgeChangeHistory(db, { now: new Date(Date.now() + days * 86_400_000), retentionMs });
    expect((await purgeAt(29)).tombstones).toBe(0);
    const kept = await db
      .selectFrom('task_changes')
      .select('task_id')
      .where('deleted_at', 'is not', null)
      .execute();
    expect(kept.map((row) => row.task_id)).toContain(task.id);
    expect((await purgeAt(31)).tombstones).toBe(kept.length);

    const expired = await rejection(changesOf('erin', before));
    expect(expired.code).toBe('cursor_expired');
    // A cursor taken after the deletion has missed nothing: it still works.
    expect(await changesOf('erin', afterDelete)).toMatchObject({ changes: [], has_more: false });
    // A cursor beyond the counter (a restored database) cannot be trusted either.
    expect((await rejection(changesOf('erin', encodeCursor('erin', 1_000_000)))).code).toBe('cursor_expired');
  });
});

describe('commit order', () => {
  it('a later transaction that commits first is answered first, and the earlier one is not skipped', async () => {
    const [x, y] = [
      await insertTaskRow(db, { user_id: 'alice', title: 'x' }),
      await insertTaskRow(db, { user_id: 'alice', title: 'y' }),
    ];
    const start = await cursorOf('alice');
    const slow = await openTransaction();
    await slow.query(`update tasks set title = 'x slow' where id = $1`, [x!.id]);
    const fast = await openTransaction();
    await fast.query(`update tasks set title = 'y fast' where id = $1`, [y!.id]);
    await fast.commit();
    const mid = await changesOf('alice', start);
    expect(mid.changes.map(describeChange)).toEqual(['task y fast']);
    await slow.commit();
    expect((await changesOf('alice', mid.cursor)).changes.map(describeChange)).toEqual(['task x slow']);
  });

  it('a transaction holding a seq blocks the next commit of the same user, not of others', async () => {
    const [x, y] = [
      await insertTaskRow(db, { user_id: 'alice', title: 'x2' }),
      await insertTaskRow(db, { user_id: 'alice', title: 'y2' }),
    ];
    const bobTask = await insertTaskRow(db, { user_id: 'bob', title: 'bob' });
    const start = await cursorOf('alice');
    const first = await openTransaction();
    await first.query(`update tasks set title = 'x2 first' where id = $1`, [x.id]);
    // Runs the deferred trigger now: this transaction takes its seq and holds the counter until it commits.
    await first.query('set constraints all immediate');
    const second = await openTransaction();
    await second.query(`update tasks set title = 'y2 second' where id = $1`, [y.id]);
    let secondCommitted = false;
    const secondCommit = second.commit().then(() => (secondCommitted = true));
    // Another user is not held up.
    await db.updateTable('tasks').set({ title: 'bob again' }).where('id', '=', bobTask.id).execute();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondCommitted).toBe(false);
    // A reader meanwhile sees neither, and the cursor it gets does not skip either.
    const mid = await changesOf('alice', start);
    expect(mid).toEqual({ changes: [], cursor: start, has_more: false });
    await first.commit();
    await secondCommit;
    expect((await changesOf('alice', mid.cursor)).changes.map(describeChange)).toEqual([
      'task x2 first',
      'task y2 second',
    ]);
  });

  it('under concurrent writer processes a poller misses nothing and sees nothing twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1)
      ids.push((await insertTaskRow(db, { user_id: 'bob', title: `w${i}`, description: '0' })).id);
    const bobStart = await cursorOf('bob');
    const replica = new Map<string, string | null>(
      (await snapshotOf('bob')).tasks.map((t) => [t.id, t.description]),
    );
    const delivered = new Set<string>();
    let cursor = bobStart;
    const poll = async () => {
      for (;;) {
        const page = await changesOf('bob', cursor, 7);
        const idsInPage = page.changes.map((c) => ('task' in c ? c.task.id : c.deleted));
        expect(new Set(idsInPage).size).toBe(idsInPage.length);
        for (const change of page.changes) {
          if ('deleted' in change) {
            replica.delete(change.deleted);
            continue;
          }
          const { id, description, reminders } = change.task;
          const key = `${id}@${description}/${reminders.length}`;
          expect(delivered.has(key), `delivered twice: ${key}`).toBe(false);
          delivered.add(key);
          const previous = Number(replica.get(id) ?? 0);
          expect(Number(description)).toBeGreaterThanOrEqual(previous);
          replica.set(id, description);
        }
        cursor = page.cursor;
        if (!page.has_more) return;
      }
    };
    const writer = fileURLToPath(new URL('./feed-writer.ts', import.meta.url));
    const children = [1, 2, 3].map(() =>
      spawn(process.execPath, [writer, testDb.url, 'bob', ids.join(','), '60'], {
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
    const exits = children.map((child) => once(child, 'exit'));
    let done = false;
    const all = Promise.all(exits).then((codes) => {
      done = true;
      return codes.map(([code]) => code);
    });
    while (!done) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await all).toEqual([0, 0, 0]);
    // Deletions in a burst, then the final catch-up.
    await db.deleteFrom('tasks').where('id', 'in', ids.slice(0, 3)).execute();
    await poll();
    const truth = (await snapshotOf('bob')).tasks;
    const truthMap = new Map(truth.map((t) => [t.id, t.description]));
    expect(Object.fromEntries(replica)).toEqual(Object.fromEntries(truthMap));
    expect(delivered.size).toBeGreaterThan(20);
  }, 60_000);
});

describe('stream tickets', () => {
  it('open one stream once, for the user they were issued to, within 60 s', async () => {
    const { ticket, expires_at } = await createStreamTicket(db, 'alice', new Date());
    expect(new Date(expires_at).getTime() - Date.now()).toBeGreaterThan(55_000);
    expect(await redeemStreamTicket(db, ticket, new Date())).toBe('alice');
    expect((await rejection(redeemStreamTicket(db, ticket, new Date()))).code).toBe('unauthorized');

    const late = await createStreamTicket(db, 'alice', new Date());
    expect((await rejection(redeemStreamTicket(db, late.ticket, new Date(Date.now() + 61_000)))).code).toBe(
      'unauthorized',
    );
    expect((await rejection(redeemStreamTicket(db, 'not-a-ticket', new Date()))).code).toBe('unauthorized');
  });

  it('are single use even when two replicas redeem one at the same time', async () => {
    const { ticket } = await createStreamTicket(db, 'alice', new Date());
    const results = await Promise.allSettled([
      redeemStreamTicket(db, ticket, new Date()),
      redeemStreamTicket(db, ticket, new Date()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});

describe('change listener', () => {
  it('hears each committed change of a user once per transaction, and reconnects after losing its connection', async () => {
    const heard: string[] = [];
    let reconnects = 0;
    const listener = listenForChanges({
      databaseUrl: testDb.url,
      logger,
      onChange: (userId) => heard.push(userId),
      onReconnect: () => (reconnects += 1),
    });
    await listener.ready;
    const waitFor = async (condition: () => boolean) => {
      const deadline = Date.now() + 5_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out; heard ${heard.join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      const open = await openTransaction();
      await open.query(`insert into tasks (user_id, title) values ('carol', 'a'), ('carol', 'b')`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toEqual([]); // nothing before the commit
      await open.commit();
      await waitFor(() => heard.length === 1);
      expect(heard).toEqual(['carol']);

      await sql`select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen nudge_changes' and datname = current_database()`.execute(
        db,
      );
      await waitFor(() => reconnects === 1);
      await insertTaskRow(db, { user_id: 'dave', title: 'after reconnect' });
      await waitFor(() => heard.includes('dave'));
    } finally {
      await listener.close();
    }
  });
});
