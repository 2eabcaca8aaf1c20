import {
  completeTask,
  createLogger,
  createMetrics,
  createTask,
  createTaskSchema,
  type Db,
  type IncomingEvent,
  type NudgeCloudEvent,
  type OutboxKick,
  reopenTask,
  systemClock,
  type TaskCompletedPayload,
  taskCompletedPayload,
} from '@nudge/core';
import { createTestDatabase, insertUser, type TestDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleTaskCompleted, handleTaskCompletedBatch, type TaskCompletedDeps } from '../src/handler.ts';

let database: TestDatabase;
let db: Db;
let kicks = 0;
const relay: OutboxKick = {
  kick: () => {
    kicks += 1;
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await insertUser(db, 'ann');
});
afterAll(() => database.drop());

const deps = (metrics = createMetrics('on-task-completed')): TaskCompletedDeps => ({
  db,
  relay,
  clock: systemClock,
  metrics,
  logger: createLogger('on-task-completed', 'silent'),
});

/** Creates a task through the API's own service and completes it; returns the task.completed event it committed. */
async function completeViaApi(input: Record<string, unknown>, completedAt: Date) {
  const task = await createTask(
    db,
    'ann',
    createTaskSchema.parse({ title: 'Stand-up', ...input }),
    new Date(),
  );
  await completeTask(db, 'ann', task.id, completedAt);
  return { task, event: await completedEventOf(task.id) };
}

async function completedEventOf(taskId: string): Promise<IncomingEvent<TaskCompletedPayload>> {
  const rows = await db
    .selectFrom('outbox')
    .select('cloud_event')
    .where('event_type', '=', 'task.completed')
    .orderBy('id', 'desc')
    .execute();
  const cloudEvent = rows
    .map((row) => row.cloud_event as unknown as NudgeCloudEvent)
    .find((e) => e.subject === taskId);
  if (!cloudEvent) throw new Error('no task.completed event');
  const data = { ...cloudEvent.data, payload: taskCompletedPayload.parse(cloudEvent.data.payload) };
  return { ...cloudEvent, traceparent: undefined, data };
}

const childrenOf = (parentId: string) =>
  db.selectFrom('tasks').selectAll().where('parent_task_id', '=', parentId).execute();

const eventsAbout = async (taskId: string) =>
  (await db.selectFrom('outbox').select(['event_type', 'cloud_event']).orderBy('id').execute()).filter(
    (row) => (row.cloud_event as unknown as NudgeCloudEvent).subject === taskId,
  );

describe('on-task-completed handler', () => {
  it('creates the next occurrence with the series’ content, relative reminders and events', async () => {
    const metrics = createMetrics('on-task-completed');
    const { task, event } = await completeViaApi(
      {
        description: 'daily sync',
        priority: 'high',
        tags: ['work', 'team'],
        due_at: '2026-12-01T09:00:00Z',
        recurrence: { rule: 'daily' },
        reminders: [{ before: 'PT15M' }, { at: '2026-12-01T07:00:00Z' }],
      },
      new Date('2026-12-01T08:50:00Z'),
    );
    kicks = 0;
    expect(await handleTaskCompleted(event, deps(metrics))).toEqual({ status: 'SUCCESS' });

    const [next] = await childrenOf(task.id);
    expect(next).toMatchObject({
      user_id: 'ann',
      title: 'Stand-up',
      description: 'daily sync',
      priority: 'high',
      tags: ['work', 'team'],
      status: 'open',
      timezone: 'UTC',
      recurrence_rule: 'RRULE:FREQ=DAILY',
      recurrence_from: 'due',
      parent_task_id: task.id,
      series_id: task.id,
      series_index: 2,
    });
    expect(next?.due_at?.toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(next?.series_anchor_at?.toISOString()).toBe('2026-12-01T09:00:00.000Z');
    const reminders = await db.selectFrom('reminders').selectAll().where('task_id', '=', next!.id).execute();
    expect(reminders.map((r) => [r.before, r.remind_at.toISOString(), r.status])).toEqual([
      ['PT15M', '2026-12-02T08:45:00.000Z', 'pending'],
    ]);

    const events = await eventsAbout(next!.id);
    expect(events.map((e) => e.event_type)).toEqual([
      'task.created',
      'reminder.scheduled',
      'task.recurrence',
    ]);
    const recurrence = events[2]?.cloud_event as unknown as NudgeCloudEvent;
    expect(recurrence).toMatchObject({ source: '/nudge/on-task-completed', partitionkey: 'ann' });
    expect(recurrence.data.payload).toEqual({
      parent_task_id: task.id,
      recurrence_rule: 'RRULE:FREQ=DAILY',
      task_id: next!.id,
      due_at: '2026-12-02T09:00:00.000Z',
    });
    expect(kicks).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('next_occurrences_created_total')).toMatch(/ 1$/m);
  });

  it('creates exactly one next occurrence when the same event arrives twice', async () => {
    const { task, event } = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'daily' } },
      new Date('2026-12-01T09:10:00Z'),
    );
    expect(await handleTaskCompleted(event, deps())).toEqual({ status: 'SUCCESS' });
    expect(await handleTaskCompleted(event, deps())).toEqual({ status: 'SUCCESS', note: 'duplicate event' });
    expect(await childrenOf(task.id)).toHaveLength(1);
  });

  it('creates exactly one next occurrence when two different events report the same completion', async () => {
    const { task, event } = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'daily' } },
      new Date('2026-12-01T09:10:00Z'),
    );
    const twin = { ...event, id: crypto.randomUUID(), data: { ...event.data } };
    twin.data.event_id = twin.id;
    await handleTaskCompleted(event, deps());
    expect(await handleTaskCompleted(twin, deps())).toEqual({
      status: 'SUCCESS',
      note: 'next occurrence already exists',
    });
    expect(await childrenOf(task.id)).toHaveLength(1);
  });

  it('creates exactly one next occurrence when instances process the completion concurrently', async () => {
    const { task, event } = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'daily' }, reminders: [{ before: 'PT1H' }] },
      new Date('2026-12-01T09:10:00Z'),
    );
    const twins = Array.from({ length: 4 }, () => {
      const id = crypto.randomUUID();
      return { ...event, id, data: { ...event.data, event_id: id } };
    });
    const outcomes = await Promise.all(
      [event, event, event, ...twins].map((e) => handleTaskCompleted(e, deps())),
    );
    expect(outcomes.every((o) => o.status === 'SUCCESS')).toBe(true);
    const children = await childrenOf(task.id);
    expect(children).toHaveLength(1);
    expect(await eventsAbout(children[0]!.id)).toHaveLength(3); // one task.created, reminder.scheduled, task.recurrence
  });

  it('does not roll forward again when a completed task is reopened and completed once more', async () => {
    const { task, event } = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'daily' } },
      new Date('2026-12-01T09:10:00Z'),
    );
    await handleTaskCompleted(event, deps());
    await reopenTask(db, 'ann', task.id, new Date());
    await completeTask(db, 'ann', task.id, new Date());
    const second = await completedEventOf(task.id);
    expect(second.id).not.toBe(event.id);
    expect((await handleTaskCompleted(second, deps())).status).toBe('SUCCESS');
    expect(await childrenOf(task.id)).toHaveLength(1);
  });

  it('ends a COUNT series: the last occurrence has no successor', async () => {
    const first = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'FREQ=DAILY;COUNT=2' } },
      new Date('2026-12-01T09:10:00Z'),
    );
    await handleTaskCompleted(first.event, deps());
    const [second] = await childrenOf(first.task.id);
    await completeTask(db, 'ann', second!.id, new Date('2026-12-02T09:10:00Z'));
    expect(await handleTaskCompleted(await completedEventOf(second!.id), deps())).toEqual({
      status: 'SUCCESS',
      note: 'series ended',
    });
    expect(await childrenOf(second!.id)).toHaveLength(0);
  });

  it('ends a COUNT series in from: completion mode by the task’s position', async () => {
    const first = await completeViaApi(
      {
        due_at: '2026-12-01T09:00:00Z',
        recurrence: { rule: 'FREQ=DAILY;INTERVAL=3;COUNT=2', from: 'completion' },
      },
      new Date('2026-12-04T20:00:00Z'),
    );
    await handleTaskCompleted(first.event, deps());
    const [second] = await childrenOf(first.task.id);
    expect(second?.due_at?.toISOString()).toBe('2026-12-07T09:00:00.000Z');
    await completeTask(db, 'ann', second!.id, new Date('2026-12-05T10:00:00Z'));
    expect((await handleTaskCompleted(await completedEventOf(second!.id), deps())).status).toBe('SUCCESS');
    expect(await childrenOf(second!.id)).toHaveLength(0);
  });

  it('keeps 09:00 Europe/Berlin when a daily series crosses the autumn DST change', async () => {
    const { task, event } = await completeViaApi(
      { due_at: '2026-10-24T07:00:00Z', timezone: 'Europe/Berlin', recurrence: { rule: 'daily' } },
      new Date('2026-10-24T07:30:00Z'),
    );
    await handleTaskCompleted(event, deps());
    const [next] = await childrenOf(task.id);
    expect(next?.due_at?.toISOString()).toBe('2026-10-25T08:00:00.000Z'); // 09:00 CET
  });

  it('does nothing for a task that does not recur or was deleted', async () => {
    const plain = await completeViaApi({ due_at: '2026-12-01T09:00:00Z' }, new Date());
    expect(await handleTaskCompleted(plain.event, deps())).toEqual({
      status: 'SUCCESS',
      note: 'not a recurring task',
    });
    expect(await childrenOf(plain.task.id)).toHaveLength(0);

    const gone = await completeViaApi(
      { due_at: '2026-12-01T09:00:00Z', recurrence: { rule: 'daily' } },
      new Date(),
    );
    await db.deleteFrom('tasks').where('id', '=', gone.task.id).execute();
    expect(await handleTaskCompleted(gone.event, deps())).toEqual({
      status: 'SUCCESS',
      note: 'task deleted',
    });
    expect(
      await db.selectFrom('tasks').select('id').where('series_id', '=', gone.task.id).execute(),
    ).toHaveLength(0);
  });

  it('rolls a batch forward together; a completion whose write fails is found and answered alone', async () => {
    const completions = [];
    for (const title of ['Water plants', 'Poison', 'Stretch']) {
      completions.push(
        await completeViaApi(
          {
            title,
            due_at: '2026-12-01T09:00:00Z',
            recurrence: { rule: 'daily' },
            reminders: [{ before: 'PT1H' }],
          },
          new Date('2026-12-01T09:10:00Z'),
        ),
      );
    }
    // The next occurrence's series_index would overflow its integer column: the batch's insert
    // fails in PostgreSQL, not in our code, so only the one-at-a-time pass can tell which it was.
    const poison = structuredClone(completions[1]!.event);
    poison.data.payload.series_index = 2_147_483_647;
    const outcomes = await handleTaskCompletedBatch(
      [completions[0]!.event, poison, completions[2]!.event],
      deps(),
    );
    expect(outcomes).toEqual([
      { status: 'SUCCESS' },
      { status: 'DROP', reason: 'invalid_data' },
      { status: 'SUCCESS' },
    ]);
    for (const { task } of [completions[0]!, completions[2]!]) {
      const [next] = await childrenOf(task.id);
      expect(next?.title).toBe(task.title);
      expect(await eventsAbout(next!.id)).toHaveLength(3); // task.created, reminder.scheduled, task.recurrence
    }
    expect(await childrenOf(completions[1]!.task.id)).toHaveLength(0);
    // Not recorded as processed: a redelivery (after a fix) would be handled, not skipped.
    const recorded = await db
      .selectFrom('processed_events')
      .select('event_id')
      .where(
        'event_id',
        'in',
        completions.map((c) => c.event.id),
      )
      .execute();
    expect(recorded.map((r) => r.event_id).sort()).toEqual(
      [completions[0]!.event.id, completions[2]!.event.id].sort(),
    );
  });
});
