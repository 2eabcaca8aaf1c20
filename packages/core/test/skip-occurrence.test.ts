import { createTestDatabase, type TestDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, createTask, type Db, skipOccurrence } from '../src/index.ts';

let testDb: TestDatabase;
let db: Db;
const now = new Date('2026-11-22T10:00:00.000Z');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  await db.insertInto('users').values({ id: 'alice', email: 'alice@example.com' }).execute();
});
afterAll(() => testDb.drop());

const weekly = {
  title: 'Team sync',
  priority: 'medium' as const,
  tags: [],
  due_at: '2026-11-23T09:00:00+01:00',
  timezone: 'Europe/Berlin',
  recurrence: { rule: 'RRULE:FREQ=WEEKLY;COUNT=3', from: 'due' as const },
  reminders: [{ before: 'PT1H' }, { at: '2026-11-22T12:00:00Z' }],
};

describe('skipOccurrence', () => {
  it('moves the due date to the next slot of the series with its relative reminders, keeping the task', async () => {
    const task = await createTask(db, 'alice', weekly, now);
    const skipped = await skipOccurrence(db, 'alice', task.id, now);
    expect(skipped.id).toBe(task.id);
    expect(skipped.status).toBe('open');
    expect(skipped.due_at).toBe('2026-11-30T08:00:00.000Z');
    expect(skipped.reminders.map((r) => [r.before, r.remind_at, r.status])).toEqual([
      [null, '2026-11-22T12:00:00.000Z', 'pending'],
      ['PT1H', '2026-11-30T07:00:00.000Z', 'pending'],
    ]);
    const row = await db.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(row.series_index).toBe(2);
    expect(row.series_anchor_at).toEqual(new Date('2026-11-23T08:00:00.000Z'));
    const events = await db
      .selectFrom('outbox')
      .select(['event_type', 'cloud_event'])
      .where('created_at', '>=', now)
      .orderBy('id')
      .execute();
    expect(events.slice(-2).map((e) => e.event_type)).toEqual(['task.updated', 'reminder.scheduled']);
    expect((events.at(-2)!.cloud_event as any).data.payload.changes).toEqual({
      due_at: '2026-11-30T08:00:00.000Z',
    });
  });

  it('counts the skipped occurrence against COUNT, so a series of 3 ends after two skips', async () => {
    const task = await createTask(db, 'alice', weekly, now);
    await skipOccurrence(db, 'alice', task.id, now);
    const last = await skipOccurrence(db, 'alice', task.id, now);
    expect(last.due_at).toBe('2026-12-07T08:00:00.000Z');
    await expect(skipOccurrence(db, 'alice', task.id, now)).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'skip', message: expect.stringContaining('series has ended') }],
    });
  });

  it('refuses a task that does not recur, and another user’s task is not found', async () => {
    const single = await createTask(db, 'alice', { ...weekly, recurrence: null, reminders: [] }, now);
    await expect(skipOccurrence(db, 'alice', single.id, now)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const err = await skipOccurrence(db, 'bob', single.id, now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'not_found' });
  });
});
