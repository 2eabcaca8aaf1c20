import { randomUUID } from 'node:crypto';
import type { Db, Trx } from '../db/database.ts';
import { reminderScheduledEvent } from '../events/contracts/reminder.scheduled.ts';
import { taskCreatedEvent } from '../events/contracts/task.created.ts';
import { type Source, sources } from '../events/event-types.ts';
import { enqueueEvents } from '../outbox/enqueue.ts';
import { type ReminderSpec, reminderSpecs } from '../reminder/input.ts';
import { planReminders } from '../reminder/plan.ts';
import { insertReminderRows } from '../reminder/repository.ts';
import { assertConsistent, type TaskFields } from './fields.ts';
import type { CreateTaskInput } from './input.ts';
import { type TaskView, toTaskView } from './view.ts';

/** A task to insert: its fields, its reminders and, for an occurrence of a series, its place in it. */
export interface NewTask extends TaskFields {
  userId: string;
  reminders: readonly ReminderSpec[];
  /** The previous occurrence (at most one task may name a given parent). */
  parentTaskId?: string | null;
  /** Defaults to the new task's own id when it recurs. */
  seriesId?: string | null;
  /** DTSTART of the series; defaults to `dueAt` when it recurs. */
  seriesAnchorAt?: Date | null;
  /** Defaults to 1. */
  seriesIndex?: number;
}

/**
 * Inserts a task with its reminders and writes `task.created` plus one `reminder.scheduled` per
 * pending reminder to the outbox, all inside the caller's transaction. Throws `validation_failed`
 * for a recurring task without due date or a relative reminder without one.
 * Returns null (writing nothing) when `parentTaskId` already has its next occurrence.
 */
export async function insertTask(
  trx: Trx,
  task: NewTask,
  now: Date,
  source: Source,
): Promise<TaskView | null> {
  // The rule arrives normalised (the input schema normalises it once; a series passes its stored rule on).
  const { recurrence } = task;
  assertConsistent(task);
  const planned = planReminders(
    task.reminders,
    { dueAt: task.dueAt, timezone: task.timezone, status: 'open' },
    now,
  );
  const id = randomUUID();
  const row = await trx
    .insertInto('tasks')
    .values({
      id,
      user_id: task.userId,
      title: task.title,
      description: task.description,
      priority: task.priority,
      tags: task.tags,
      due_at: task.dueAt,
      timezone: task.timezone,
      recurrence_rule: recurrence?.rule ?? null,
      recurrence_from: recurrence?.from ?? null,
      series_id: task.seriesId ?? (recurrence ? id : null),
      series_anchor_at: task.seriesAnchorAt ?? (recurrence ? task.dueAt : null),
      series_index: task.seriesIndex ?? 1,
      parent_task_id: task.parentTaskId ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('parent_task_id').where('parent_task_id', 'is not', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  const reminders = await insertReminderRows(
    trx,
    planned.map((p) => ({ ...p, task_id: id, user_id: task.userId, created_at: now, updated_at: now })),
  );
  await enqueueEvents(trx, [
    taskCreatedEvent(row, source, now),
    ...reminders.filter((r) => r.status === 'pending').map((r) => reminderScheduledEvent(r, source, now)),
  ]);
  return toTaskView(row, reminders);
}

/** `POST /api/tasks`: one transaction writing the task, its reminders and their events. */
export async function createTask(
  db: Db,
  userId: string,
  input: CreateTaskInput,
  now: Date,
): Promise<TaskView> {
  return db.transaction().execute(async (trx) => {
    const view = await insertTask(
      trx,
      {
        userId,
        title: input.title,
        description: input.description ?? null,
        priority: input.priority,
        tags: input.tags,
        dueAt: input.due_at ? new Date(input.due_at) : null,
        timezone: input.timezone,
        recurrence: input.recurrence ?? null,
        reminders: reminderSpecs(input.reminders),
      },
      now,
      sources.taskApi,
    );
    return view!; // no parent task: nothing can conflict
  });
}
