import {
  type Clock,
  createSubscriber,
  type Db,
  findTaskRows,
  forgetProcessed,
  type IncomingEvent,
  insertTasks,
  type Logger,
  type Metrics,
  type NewTask,
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

type Result = string | { taskId: string; dueAt: Date } | { error: unknown };

/**
 * The next occurrences of a batch of completions, inside the batch's transaction, in a fixed
 * number of statements: the completed tasks and their relative reminders read in one query each,
 * the next occurrences written by insertTasks (tasks, reminders, outbox: three), with
 * task.recurrence after each one's own events. A completion whose rule fails is answered alone;
 * a statement that fails throws, for the caller to find the completion behind it.
 */
async function rollForward(
  trx: Trx,
  events: readonly IncomingEvent<TaskCompletedPayload>[],
  now: Date,
): Promise<Result[]> {
  const completions = events.map((event) => ({ event, completed: event.data.payload }));
  const tasks = await findTaskRows(
    trx,
    completions.map(({ event, completed }) => ({ userId: event.data.user_id, id: completed.task_id })),
  );
  const reminders = await relativeReminderSpecs(trx, [...tasks.keys()]);
  const results: Result[] = [];
  const next: { index: number; task: NewTask & { parentTaskId: string } }[] = [];
  completions.forEach(({ event, completed }, index) => {
    const task = tasks.get(completed.task_id);
    if (!task) {
      results[index] = 'task deleted';
      return;
    }
    const recurrence = completed.recurrence!;
    const dueAt = new Date(completed.due_at!);
    const seriesAnchorAt = completed.series_anchor_at ? new Date(completed.series_anchor_at) : dueAt;
    let nextDue: Date | null;
    try {
      nextDue = nextOccurrence({
        rule: recurrence.rule,
        from: recurrence.from,
        timezone: completed.timezone,
        seriesAnchorAt,
        seriesIndex: completed.series_index,
        dueAt,
        completedAt: completed.completed_at
          ? new Date(completed.completed_at)
          : new Date(event.data.timestamp),
      });
    } catch (error) {
      results[index] = { error };
      return;
    }
    if (!nextDue) {
      results[index] = 'series ended';
      return;
    }
    next.push({
      index,
      task: {
        userId: task.user_id,
        title: task.title,
        description: task.description,
        priority: task.priority,
        tags: task.tags,
        dueAt: nextDue,
        timezone: completed.timezone,
        recurrence,
        reminders: reminders.get(task.id) ?? [],
        parentTaskId: task.id,
        seriesId: completed.series_id ?? task.id,
        seriesAnchorAt,
        seriesIndex: completed.series_index + 1,
      },
    });
  });
  const created = await insertTasks(
    trx,
    next.map((n) => n.task),
    now,
    sources.onTaskCompleted,
    (view, i) => {
      const { userId, parentTaskId, recurrence, dueAt } = next[i]!.task;
      return [
        taskRecurrenceEvent(
          { userId, parentTaskId, rule: recurrence!.rule, taskId: view.id, dueAt: dueAt! },
          now,
        ),
      ];
    },
  );
  next.forEach(({ index, task }, i) => {
    const view = created[i];
    results[index] = view ? { taskId: view.id, dueAt: task.dueAt! } : 'next occurrence already exists';
  });
  return results;
}

/**
 * Rolls recurring series forward for a batch of completions in one transaction (one commit for
 * the batch): records every event processed in one statement, then writes every next occurrence
 * (content and relative reminders copied) with its task.created, reminder.scheduled and
 * task.recurrence events in a handful of statements for the whole batch. When one of those
 * statements fails, the batch is rolled back to its savepoint and done again one completion at a
 * time, each in its own savepoint, so the one that fails is rolled back, unrecorded and answered
 * alone (DROP or RETRY) while the others commit.
 * Exactly one next occurrence per completion: a repeated event stops at processed_events, a
 * different event for the same completion (or a concurrent instance) stops at the unique index on
 * parent_task_id, where insertTasks writes nothing.
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
      // Only the first of two copies of one event in a batch does the work.
      const firstCopies = work.filter(({ event, index }) => {
        if (fresh.delete(event.id)) return true;
        outcomes[index] = success('duplicate event');
        return false;
      });
      const now = clock.now();
      let results: Result[];
      try {
        results = await withSavepoint(trx, () =>
          rollForward(
            trx,
            firstCopies.map((t) => t.event),
            now,
          ),
        );
      } catch {
        results = [];
        for (const { event } of firstCopies) {
          try {
            results.push((await withSavepoint(trx, () => rollForward(trx, [event], now)))[0]!);
          } catch (error) {
            results.push({ error });
          }
        }
      }
      const failed: string[] = [];
      firstCopies.forEach(({ event, index }, i) => {
        const result = results[i]!;
        if (typeof result === 'string') {
          outcomes[index] = success(result);
        } else if ('error' in result) {
          failed.push(event.id);
          outcomes[index] = outcomeForError(result.error);
          logger.child({ event_id: event.id }).warn(
            {
              err:
                result.error instanceof Error
                  ? { type: result.error.name, message: result.error.message }
                  : result.error,
            },
            'completion failed; the rest of the batch goes on',
          );
        } else {
          created.push(result);
          outcomes[index] = success();
        }
      });
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
