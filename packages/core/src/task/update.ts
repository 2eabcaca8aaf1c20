import type { Db, ReminderRow, TaskRow, TaskUpdate, Trx } from '../db/database.ts';
import { validationFailed } from '../errors/app-error.ts';
import { reminderCancelledEvent } from '../events/contracts/reminder.cancelled.ts';
import { reminderScheduledEvent } from '../events/contracts/reminder.scheduled.ts';
import { taskUpdatedEvent } from '../events/contracts/task.updated.ts';
import type { OutgoingEvent } from '../events/envelope.ts';
import { sources } from '../events/event-types.ts';
import { enqueueEvents } from '../outbox/enqueue.ts';
import { nextOccurrence } from '../recurrence/next-occurrence.ts';
import { reminderSpecs } from '../reminder/input.ts';
import { initialReminderStatus, planReminders } from '../reminder/plan.ts';
import {
  deleteRemindersOfTask,
  insertReminderRows,
  moveReminder,
  remindersOfTasks,
} from '../reminder/repository.ts';
import { remindAtFor } from '../time/zone.ts';
import { assertConsistent, fieldsOf, type TaskFields } from './fields.ts';
import type { PatchTaskInput } from './input.ts';
import { lockTaskRow } from './repository.ts';
import { type TaskView, toReminderView, toTaskView } from './view.ts';

const source = sources.taskApi;

function merge(before: TaskFields, patch: PatchTaskInput): TaskFields {
  return {
    title: patch.title ?? before.title,
    description: patch.description !== undefined ? patch.description : before.description,
    priority: patch.priority ?? before.priority,
    tags: patch.tags ?? before.tags,
    dueAt: patch.due_at !== undefined ? (patch.due_at ? new Date(patch.due_at) : null) : before.dueAt,
    timezone: patch.timezone ?? before.timezone,
    recurrence: patch.recurrence !== undefined ? patch.recurrence : before.recurrence,
  };
}

/** The fields that differ, keyed and valued as the API shows them. */
function changedFields(before: TaskFields, after: TaskFields): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (before.title !== after.title) changes.title = after.title;
  if (before.description !== after.description) changes.description = after.description;
  if (before.priority !== after.priority) changes.priority = after.priority;
  if (before.tags.join('\u0000') !== after.tags.join('\u0000') || before.tags.length !== after.tags.length)
    changes.tags = after.tags;
  if (before.dueAt?.getTime() !== after.dueAt?.getTime()) changes.due_at = after.dueAt?.toISOString() ?? null;
  if (before.timezone !== after.timezone) changes.timezone = after.timezone;
  if (
    before.recurrence?.rule !== after.recurrence?.rule ||
    before.recurrence?.from !== after.recurrence?.from
  )
    changes.recurrence = after.recurrence;
  return changes;
}

/** Replaces the reminder set: old ones are deleted (pending ones announced cancelled), new ones planned. */
async function replaceReminders(
  trx: Trx,
  row: TaskRow,
  after: TaskFields,
  patch: Required<Pick<PatchTaskInput, 'reminders'>>,
  now: Date,
): Promise<{ reminders: ReminderRow[]; events: OutgoingEvent[] }> {
  const planned = planReminders(reminderSpecs(patch.reminders), { ...after, status: row.status }, now);
  const removed = await deleteRemindersOfTask(trx, row.id);
  const added = await insertReminderRows(
    trx,
    planned.map((p) => ({ ...p, task_id: row.id, user_id: row.user_id, created_at: now, updated_at: now })),
  );
  const events = [
    ...removed.filter((r) => r.status === 'pending').map((r) => reminderCancelledEvent(r, source, now)),
    ...added.filter((r) => r.status === 'pending').map((r) => reminderScheduledEvent(r, source, now)),
  ];
  return { reminders: added, events };
}

/**
 * A new due date or zone moves the relative reminders that have not fired yet (pending, or skipped
 * because they were in the past) to the new time. Sent, failed and cancelled ones keep their history.
 */
async function moveRelativeReminders(
  trx: Trx,
  row: TaskRow,
  after: TaskFields,
  existing: ReminderRow[],
  now: Date,
): Promise<{ reminders: ReminderRow[]; events: OutgoingEvent[] }> {
  const movable = existing.filter(
    (r) => r.before !== null && (r.status === 'pending' || r.status === 'skipped'),
  );
  if (movable.length > 0 && !after.dueAt)
    throw validationFailed('due_at', 'relative reminders need due_at (send "reminders": [] to drop them)');
  const events: OutgoingEvent[] = [];
  const reminders = [...existing];
  for (const reminder of movable) {
    const remindAt = remindAtFor(after.dueAt!, reminder.before!, after.timezone);
    const status = initialReminderStatus(remindAt, row.status, now);
    if (remindAt.getTime() === reminder.remind_at.getTime() && status === reminder.status) continue;
    const moved = await moveReminder(trx, reminder.id, { remindAt, status }, now);
    reminders[reminders.indexOf(reminder)] = moved;
    if (status === 'pending') events.push(reminderScheduledEvent(moved, source, now));
    else if (reminder.status === 'pending') events.push(reminderCancelledEvent(reminder, source, now));
  }
  return { reminders, events };
}

/**
 * `PATCH /api/tasks/{id}`: applies any writable fields in one transaction. A changed due date,
 * zone or rule re-anchors a recurring series there (index 1), so later occurrences follow the edit.
 */
export async function updateTask(
  db: Db,
  userId: string,
  id: string,
  patch: PatchTaskInput,
  now: Date,
): Promise<TaskView> {
  return db.transaction().execute(async (trx) => {
    const row = await lockTaskRow(trx, userId, id);
    const before = fieldsOf(row);
    const after = merge(before, patch);
    assertConsistent(after);
    const changes = changedFields(before, after);
    const existing = await remindersOfTasks(trx, [id]);

    let reminderChange = { reminders: existing, events: [] as OutgoingEvent[] };
    if (patch.reminders) {
      reminderChange = await replaceReminders(trx, row, after, { reminders: patch.reminders }, now);
      changes.reminders = reminderChange.reminders.map(toReminderView);
    } else if ('due_at' in changes || 'timezone' in changes) {
      reminderChange = await moveRelativeReminders(trx, row, after, existing, now);
    }
    if (Object.keys(changes).length === 0) return toTaskView(row, existing);

    const update: TaskUpdate = {
      title: after.title,
      description: after.description,
      priority: after.priority,
      tags: after.tags,
      due_at: after.dueAt,
      timezone: after.timezone,
      recurrence_rule: after.recurrence?.rule ?? null,
      recurrence_from: after.recurrence?.from ?? null,
      updated_at: now,
    };
    if (after.recurrence && ('recurrence' in changes || 'due_at' in changes || 'timezone' in changes)) {
      update.series_id = row.series_id ?? row.id;
      update.series_anchor_at = after.dueAt;
      update.series_index = 1;
    }
    const updated = await trx
      .updateTable('tasks')
      .set(update)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueEvents(trx, [taskUpdatedEvent(updated, changes, source, now), ...reminderChange.events]);
    return toTaskView(updated, reminderChange.reminders);
  });
}

/**
 * Skips the open occurrence of a recurring task: its due date moves to exactly where completing it
 * now would put the next occurrence (core's `nextOccurrence` with the completion time = `now`), its
 * relative reminders move with it, and it takes that occurrence's place in the series (index + 1,
 * so COUNT counts the skipped one; the anchor stays, so later occurrences keep their slots). The
 * same task goes on; nothing is completed, and `task.updated` carries the new `due_at`.
 */
export async function skipOccurrence(db: Db, userId: string, id: string, now: Date): Promise<TaskView> {
  return db.transaction().execute(async (trx) => {
    const row = await lockTaskRow(trx, userId, id);
    const before = fieldsOf(row);
    if (!before.recurrence || !before.dueAt)
      throw validationFailed(
        'skip',
        'only a recurring task with a due date has a next occurrence to skip to',
      );
    if (row.status !== 'open')
      throw validationFailed(
        'skip',
        'the task is completed; its next occurrence is already a task of its own',
      );
    const seriesAnchorAt = row.series_anchor_at ?? before.dueAt;
    const nextDue = nextOccurrence({
      ...before.recurrence,
      timezone: before.timezone,
      seriesAnchorAt,
      seriesIndex: row.series_index,
      dueAt: before.dueAt,
      completedAt: now,
    });
    if (!nextDue)
      throw validationFailed('skip', 'the series has ended: there is no occurrence after this one');
    const after = { ...before, dueAt: nextDue };
    const existing = await remindersOfTasks(trx, [id]);
    const moved = await moveRelativeReminders(trx, row, after, existing, now);
    const updated = await trx
      .updateTable('tasks')
      .set({
        due_at: nextDue,
        series_id: row.series_id ?? row.id,
        series_anchor_at: seriesAnchorAt,
        series_index: row.series_index + 1,
        updated_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueEvents(trx, [
      taskUpdatedEvent(updated, { due_at: nextDue.toISOString() }, source, now),
      ...moved.events,
    ]);
    return toTaskView(updated, moved.reminders);
  });
}
