import {
  buildEvent,
  type Clock,
  createSubscriber,
  type Db,
  enqueueEvents,
  type IncomingEvent,
  insertTask,
  isValidTimeZone,
  type Logger,
  type Metrics,
  nextOccurrence,
  type OutboxKick,
  type Outcome,
  recordProcessed,
  sources,
  success,
} from '@nudge/core';
import { z } from 'zod';

export const consumer = 'on-task-completed';

const instant = z.iso.datetime({ offset: true });

/** `task.completed` payload: the recurrence state as committed with the completion. */
export const taskCompletedPayload = z.object({
  task_id: z.uuid(),
  completed_at: instant.nullable(),
  due_at: instant.nullable(),
  timezone: z.string().refine(isValidTimeZone, { error: 'must be an IANA time zone' }),
  recurrence: z.object({ rule: z.string().min(1), from: z.enum(['due', 'completion']) }).nullable(),
  series_id: z.uuid().nullable(),
  series_anchor_at: instant.nullable(),
  series_index: z.number().int().positive(),
});
export type TaskCompletedPayload = z.output<typeof taskCompletedPayload>;

export interface TaskCompletedDeps {
  db: Db;
  relay: OutboxKick;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Rolls a recurring series forward: one transaction records the event as processed, inserts the
 * next occurrence (copying content and relative reminders) and writes task.created,
 * reminder.scheduled and task.recurrence. Exactly one next occurrence per completion: a repeated
 * event stops at processed_events, a different event for the same completion (or a concurrent
 * instance) stops at the unique index on parent_task_id, where insertTask writes nothing.
 */
export async function handleTaskCompleted(
  event: IncomingEvent<TaskCompletedPayload>,
  deps: TaskCompletedDeps,
): Promise<Outcome> {
  const { db, clock, logger } = deps;
  const completed = event.data.payload;
  const { recurrence } = completed;
  if (!recurrence || !completed.due_at) return success('not a recurring task');

  const result = await db.transaction().execute(async (trx) => {
    if (!(await recordProcessed(trx, consumer, event.id))) return 'duplicate event';
    const task = await trx
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', completed.task_id)
      .where('user_id', '=', event.data.user_id)
      .executeTakeFirst();
    if (!task) return 'task deleted';

    const dueAt = new Date(completed.due_at!);
    const seriesAnchorAt = completed.series_anchor_at ? new Date(completed.series_anchor_at) : dueAt;
    const nextDue = nextOccurrence({
      rule: recurrence.rule,
      from: recurrence.from,
      timezone: completed.timezone,
      seriesAnchorAt,
      seriesIndex: completed.series_index,
      dueAt,
      completedAt: completed.completed_at ? new Date(completed.completed_at) : new Date(event.data.timestamp),
    });
    if (!nextDue) return 'series ended';

    const now = clock.now();
    const relative = await trx
      .selectFrom('reminders')
      .select('before')
      .where('task_id', '=', task.id)
      .where('before', 'is not', null)
      .orderBy('remind_at')
      .execute();
    const created = await insertTask(
      trx,
      {
        userId: task.user_id,
        title: task.title,
        description: task.description,
        priority: task.priority,
        tags: task.tags,
        dueAt: nextDue,
        timezone: completed.timezone,
        recurrence,
        reminders: relative.map((r) => ({ before: r.before, at: null })),
        parentTaskId: task.id,
        seriesId: completed.series_id ?? task.id,
        seriesAnchorAt,
        seriesIndex: completed.series_index + 1,
      },
      now,
      sources.onTaskCompleted,
    );
    if (!created) return 'next occurrence already exists';
    await enqueueEvents(trx, [
      buildEvent({
        type: 'task.recurrence',
        source: sources.onTaskCompleted,
        userId: task.user_id,
        subject: created.id,
        time: now,
        payload: {
          parent_task_id: task.id,
          recurrence_rule: recurrence.rule,
          task_id: created.id,
          due_at: nextDue.toISOString(),
        },
      }),
    ]);
    return { taskId: created.id, dueAt: nextDue };
  });

  if (typeof result === 'string') return success(result);
  deps.metrics.nextOccurrencesCreated.inc();
  deps.relay.kick();
  logger.info({ task_id: result.taskId, due_at: result.dueAt.toISOString() }, 'next occurrence created');
  return success();
}

/** The subscriber edge for task.completed, as index.ts registers it (tests register the same). */
export function createOnTaskCompleted(deps: TaskCompletedDeps) {
  return createSubscriber({
    consumer,
    eventType: 'task.completed',
    payloadSchema: taskCompletedPayload,
    handler: handleTaskCompleted,
    deps,
  });
}
