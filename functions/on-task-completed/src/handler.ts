import {
  type Clock,
  createSubscriber,
  type Db,
  enqueueEvents,
  findTaskRow,
  type IncomingEvent,
  insertTask,
  type Logger,
  type Metrics,
  nextOccurrence,
  type OutboxKick,
  type Outcome,
  recordProcessed,
  relativeReminderSpecs,
  sources,
  success,
  type TaskCompletedPayload,
  taskCompletedPayload,
  taskRecurrenceEvent,
} from '@nudge/core';

export const consumer = 'on-task-completed';

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
    const task = await findTaskRow(trx, event.data.user_id, completed.task_id);
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
        reminders: await relativeReminderSpecs(trx, task.id),
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
      taskRecurrenceEvent(
        {
          userId: task.user_id,
          parentTaskId: task.id,
          rule: recurrence.rule,
          taskId: created.id,
          dueAt: nextDue,
        },
        now,
      ),
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
