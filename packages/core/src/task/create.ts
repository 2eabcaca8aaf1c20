import { randomUUID } from 'node:crypto';
import type { Db, Trx } from '../db/database.ts';
import { reminderScheduledEvent } from '../events/contracts/reminder.scheduled.ts';
import { taskCreatedEvent } from '../events/contracts/task.created.ts';
import type { OutgoingEvent } from '../events/envelope.ts';
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

/** Events to write after an inserted task's own, in the same outbox statement (its order kept). */
export type FollowUpEvents = (view: TaskView, index: number) => OutgoingEvent[];

/**
 * Inserts tasks with their reminders and writes, per task and in the given order, `task.created`,
 * one `reminder.scheduled` per pending reminder and `followUp`'s events to the outbox, all inside
 * the caller's transaction and in three statements whatever the count (tasks, reminders, outbox).
 * Throws `validation_failed` for a recurring task without due date or a relative reminder without
 * one. A task whose `parentTaskId` already has its next occurrence (in the table, or earlier in
 * the list) is not written and gets null.
 */
export async function insertTasks(
  trx: Trx,
  tasks: readonly NewTask[],
  now: Date,
  source: Source,
  followUp: FollowUpEvents = () => [],
): Promise<(TaskView | null)[]> {
  const planned = tasks.map((task) => {
    assertConsistent(task);
    return planReminders(task.reminders, { dueAt: task.dueAt, timezone: task.timezone, status: 'open' }, now);
  });
  const parents = new Set<string>();
  const fresh = tasks.flatMap((task, index) => {
    if (task.parentTaskId) {
      if (parents.has(task.parentTaskId)) return [];
      parents.add(task.parentTaskId);
    }
    return [{ task, index, id: randomUUID() }];
  });
  if (fresh.length === 0) return tasks.map(() => null);
  // The rule arrives normalised (the input schema normalises it once; a series passes its stored rule on).
  const rows = await trx
    .insertInto('tasks')
    .values(
      fresh.map(({ task, id }) => ({
        id,
        user_id: task.userId,
        title: task.title,
        description: task.description,
        priority: task.priority,
        tags: task.tags,
        due_at: task.dueAt,
        timezone: task.timezone,
        recurrence_rule: task.recurrence?.rule ?? null,
        recurrence_from: task.recurrence?.from ?? null,
        series_id: task.seriesId ?? (task.recurrence ? id : null),
        series_anchor_at: task.seriesAnchorAt ?? (task.recurrence ? task.dueAt : null),
        series_index: task.seriesIndex ?? 1,
        parent_task_id: task.parentTaskId ?? null,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column('parent_task_id').where('parent_task_id', 'is not', null).doNothing())
    .returningAll()
    .execute();
  const rowById = new Map(rows.map((row) => [row.id, row]));
  const written = fresh.flatMap((item) => {
    const row = rowById.get(item.id);
    return row ? [{ ...item, row }] : [];
  });
  const reminders = await insertReminderRows(
    trx,
    written.flatMap(({ index, row }) =>
      planned[index]!.map((p) => ({
        ...p,
        task_id: row.id,
        user_id: row.user_id,
        created_at: now,
        updated_at: now,
      })),
    ),
  );
  const views: (TaskView | null)[] = tasks.map(() => null);
  const events: OutgoingEvent[] = [];
  for (const { index, row } of written) {
    const own = reminders.filter((reminder) => reminder.task_id === row.id);
    const view = toTaskView(row, own);
    views[index] = view;
    events.push(
      taskCreatedEvent(row, source, now),
      ...own.filter((r) => r.status === 'pending').map((r) => reminderScheduledEvent(r, source, now)),
      ...followUp(view, index),
    );
  }
  await enqueueEvents(trx, events);
  return views;
}

/** insertTasks for one task: its view, or null when its parent already has its next occurrence. */
export async function insertTask(
  trx: Trx,
  task: NewTask,
  now: Date,
  source: Source,
  followUp?: FollowUpEvents,
): Promise<TaskView | null> {
  return (await insertTasks(trx, [task], now, source, followUp))[0]!;
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
