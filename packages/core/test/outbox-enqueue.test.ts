import { createTestDatabase, type TestDatabase } from '@nudge/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, enqueueEvents, sources } from '../src/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const event = (userId: string, title: string) =>
  buildEvent({
    type: 'task.updated',
    source: sources.taskApi,
    userId,
    subject: '00000000-0000-4000-8000-000000000001',
    payload: { title },
    time: new Date(),
  });

/** Advisory locks on this database that a backend is waiting for (not granted), of the outbox writer class. */
async function waitingOutboxWriters(db: TestDatabase['db']): Promise<number> {
  const { rows } = await sql<{ waiting: number }>`
    select count(*)::int as waiting from pg_locks
    where locktype = 'advisory' and not granted and classid = ${0x6f757462}::oid
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
  return rows[0]!.waiting;
}

describe('enqueueEvents', () => {
  it("gives one user's events ids in commit order even when transactions overlap", async () => {
    const { db } = database;
    const finished: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstEnqueued!: () => void;
    const firstHasEnqueued = new Promise<void>((resolve) => {
      firstEnqueued = resolve;
    });

    const first = db.transaction().execute(async (trx) => {
      await enqueueEvents(trx, [event('ordered', 'first')]);
      firstEnqueued();
      await firstHolds; // still uncommitted while the second writer arrives
      finished.push('first');
    });
    await firstHasEnqueued;
    const second = db.transaction().execute(async (trx) => {
      await enqueueEvents(trx, [event('ordered', 'second')]);
      finished.push('second');
    });
    // Another user's writer is not held up by this user's open transaction.
    await db.transaction().execute((trx) => enqueueEvents(trx, [event('someone-else', 'free')]));

    // PostgreSQL itself shows the second writer blocked on the user's advisory lock…
    await expect.poll(() => waitingOutboxWriters(db), { timeout: 5_000 }).toBe(1);
    expect(finished).toEqual([]);
    // …and it goes on only once the first has committed.
    releaseFirst();
    await Promise.all([first, second]);
    expect(finished).toEqual(['first', 'second']);
    expect(await waitingOutboxWriters(db)).toBe(0);

    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'cloud_event'])
      .where('user_id', '=', 'ordered')
      .orderBy('id')
      .execute();
    expect(rows.map((row) => (row.cloud_event.data as { payload: { title: string } }).payload.title)).toEqual(
      ['first', 'second'],
    );
  });
});
