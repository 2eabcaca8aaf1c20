import { createTestDatabase, type TestDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, insertTask, type NewTask, sources } from '../src/index.ts';

let testDb: TestDatabase;
let db: Db;
const now = new Date('2026-11-22T10:00:00.000Z');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  await db.insertInto('users').values({ id: 'alice', email: 'alice@example.com' }).execute();
});
afterAll(() => testDb.drop());

const daily: NewTask = {
  userId: 'alice',
  title: 'Water the plants',
  description: null,
  priority: 'medium',
  tags: [],
  dueAt: new Date('2026-11-23T08:00:00.000Z'),
  timezone: 'Europe/Berlin',
  recurrence: { rule: 'RRULE:FREQ=DAILY', from: 'due' },
  reminders: [{ before: 'PT1H', at: null }],
};

describe('insertTask', () => {
  it('starts a series at the new task and writes task.created then reminder.scheduled', async () => {
    const task = await db.transaction().execute((trx) => insertTask(trx, daily, now, sources.taskApi));
    const row = await db.selectFrom('tasks').selectAll().where('id', '=', task!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ series_id: task!.id, series_index: 1, recurrence_rule: 'RRULE:FREQ=DAILY' });
    expect(row.series_anchor_at).toEqual(daily.dueAt);
    expect(task!.reminders).toMatchObject([
      { before: 'PT1H', remind_at: '2026-11-23T07:00:00.000Z', status: 'pending' },
    ]);
    const outbox = await db.selectFrom('outbox').select(['event_type', 'topic']).orderBy('id').execute();
    expect(outbox).toEqual([
      { event_type: 'task.created', topic: 'task-events' },
      { event_type: 'reminder.scheduled', topic: 'reminders' },
    ]);
  });

  it('returns null and writes nothing when the parent already has its next occurrence', async () => {
    const parent = await db.transaction().execute((trx) => insertTask(trx, daily, now, sources.taskApi));
    const next = { ...daily, parentTaskId: parent!.id, seriesId: parent!.id, seriesIndex: 2 };
    const first = await db
      .transaction()
      .execute((trx) => insertTask(trx, next, now, sources.onTaskCompleted));
    const second = await db
      .transaction()
      .execute((trx) => insertTask(trx, next, now, sources.onTaskCompleted));
    expect(first?.parent_task_id).toBe(parent!.id);
    expect(second).toBeNull();
    const children = await db
      .selectFrom('tasks')
      .select('id')
      .where('parent_task_id', '=', parent!.id)
      .execute();
    expect(children).toHaveLength(1);
  });

  it('rejects a recurring task without due date', async () => {
    await expect(
      db
        .transaction()
        .execute((trx) => insertTask(trx, { ...daily, dueAt: null, reminders: [] }, now, sources.taskApi)),
    ).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: 'due_at' }] });
  });
});
