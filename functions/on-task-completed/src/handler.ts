import {
  type Clock,
  createSubscriber,
  type Db,
  enqueueEvents,
  findTaskRow,
  forgetProcessed,
  type IncomingEvent,
  insertTask,
  type Logger,
  type Metrics,
  nextOccurrence,
  type OutboxKick,
  type Outcome,
  outcomeForError,
  recordProcessedMany,
  relativeReminderSpecs,
  sources,
  success,
  type TaskCompletedPayload,
  type Trx,
  taskCompletedPayload,
  taskRecurrenceEvent,
  withSavepoint,
} from '@nudge/core';

export const consumer = 'on-task-completed';

export interface TaskCompletedDeps {
  db: Db;
  relay: OutboxKick;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
}

type Result = string | { taskId: string; dueAt: Date };

/** One completion's next occurrence, inside the batch's transaction (and the event's savepoint). */
async function rollForward(trx: Trx, event: IncomingEvent<TaskCompletedPayload>, now: Date): Promise<Result> {
  const completed = event.data.payload;
  const recurrence = completed.recurrence!;
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
}

/**
 * Rolls recurring series forward for a batch of completions in one transaction (one commit for
 * the batch): records every event processed in one statement, then per completion inserts the
 * next occurrence (copying content and relative reminders) and writes task.created,
 * reminder.scheduled and task.recurrence. Each completion runs in its own savepoint, so one that
 * fails is rolled back, unrecorded and answered alone (DROP or RETRY) while the others commit.
 * Exactly one next occurrence per completion: a repeated event stops at processed_events, a
 * different event for the same completion (or a concurrent instance) stops at the unique index on
 * parent_task_id, where insertTask writes nothing.
 */
export async function handleTaskCompletedBatch(
  events: IncomingEvent<TaskCompletedPayload>[],
  deps: TaskCompletedDeps,
): Promise<Outcome[]> {
  const { db, clock, logger } = deps;
  const outcomes: Outcome[] = [];
  const created: { taskId: string; dueAt: Date }[] = [];
  const work = events.flatMap((event, index) => {
    const { recurrence, due_at } = event.data.payload;
    if (recurrence && due_at) return [{ event, index }];
    outcomes[index] = success('not a recurring task');
    return [];
  });
  if (work.length > 0) {
    await db.transaction().execute(async (trx) => {
      const fresh = await recordProcessedMany(
        trx,
        consumer,
        work.map((w) => w.event.id),
      );
      const failed: string[] = [];
      const now = clock.now();
      for (const { event, index } of work) {
        // Only the first of two copies of one event in a batch does the work.
        if (!fresh.delete(event.id)) {
          outcomes[index] = success('duplicate event');
          continue;
        }
        try {
          const result = await withSavepoint(trx, () => rollForward(trx, event, now));
          if (typeof result === 'string') {
            outcomes[index] = success(result);
          } else {
            created.push(result);
            outcomes[index] = success();
          }
        } catch (error) {
          failed.push(event.id);
          outcomes[index] = outcomeForError(error);
          logger
            .child({ event_id: event.id })
            .warn(
              { err: error instanceof Error ? { type: error.name, message: error.message } : error },
              'completion failed; the rest of the batch goes on',
            );
        }
      }
      // A failed completion will be redelivered (or dead-lettered): it must not stay recorded.
      await forgetProcessed(trx, consumer, failed);
    });
  }

  if (created.length > 0) {
    deps.metrics.nextOccurrencesCreated.inc(created.length);
    deps.relay.kick();
    for (const next of created) {
      logger.info({ task_id: next.taskId, due_at: next.dueAt.toISOString() }, 'next occurrence created');
    }
  }
  return outcomes;
}

/** One task.completed event: handleTaskCompletedBatch for a batch of one. */
export async function handleTaskCompleted(
  event: IncomingEvent<TaskCompletedPayload>,
  deps: TaskCompletedDeps,
): Promise<Outcome> {
  return (await handleTaskCompletedBatch([event], deps))[0]!;
}

/** The subscriber edge for task.completed, as index.ts registers it (tests register the same). */
export function createOnTaskCompleted(deps: TaskCompletedDeps) {
  return createSubscriber({
    consumer,
    eventType: 'task.completed',
    payloadSchema: taskCompletedPayload,
    handler: handleTaskCompletedBatch,
    deps,
  });
}
