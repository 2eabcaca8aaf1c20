import { createTestDatabase, type TestDatabase } from '@nudge/testing';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

    await sleep(200);
    expect(finished).toEqual([]); // the second writer waits for the first to commit
    releaseFirst();
    await Promise.all([first, second]);
    expect(finished).toEqual(['first', 'second']);

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
