import type { TaskRow } from '../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../events/envelope.ts';
import type { Source, TaskEventType } from '../events/event-types.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function recurrenceOf(row: TaskRow) {
  return row.recurrence_rule ? { rule: row.recurrence_rule, from: row.recurrence_from } : null;
}

function taskEvent(
  type: TaskEventType,
  row: Pick<TaskRow, 'id' | 'user_id'>,
  payload: Record<string, unknown>,
  source: Source,
  now: Date,
): OutgoingEvent {
  return buildEvent({ type, source, userId: row.user_id, subject: row.id, time: now, payload });
}

/** `task.created`: the new task's content, enough for a consumer that never reads the database. */
export function taskCreatedEvent(row: TaskRow, source: Source, now: Date): OutgoingEvent {
  return taskEvent(
    'task.created',
    row,
    {
      task_id: row.id,
      title: row.title,
      description: row.description,
      priority: row.priority,
      tags: row.tags,
      due_at: iso(row.due_at),
      timezone: row.timezone,
      recurrence: recurrenceOf(row),
      parent_task_id: row.parent_task_id,
      series_id: row.series_id,
      series_index: row.series_index,
    },
    source,
    now,
  );
}

/** `task.updated`: only the fields that changed, with their new values in API form. */
export function taskUpdatedEvent(
  row: TaskRow,
  changes: Record<string, unknown>,
  source: Source,
  now: Date,
): OutgoingEvent {
  return taskEvent('task.updated', row, { task_id: row.id, changes }, source, now);
}

/**
 * `task.completed` carries the recurrence state as committed with the completion, so
 * on-task-completed computes the next occurrence from it rather than from a later, edited row.
 */
export function taskCompletedEvent(row: TaskRow, source: Source, now: Date): OutgoingEvent {
  return taskEvent(
    'task.completed',
    row,
    {
      task_id: row.id,
      completed_at: iso(row.completed_at),
      due_at: iso(row.due_at),
      timezone: row.timezone,
      recurrence: recurrenceOf(row),
      series_id: row.series_id,
      series_anchor_at: iso(row.series_anchor_at),
      series_index: row.series_index,
    },
    source,
    now,
  );
}

export function taskDeletedEvent(
  row: Pick<TaskRow, 'id' | 'user_id'>,
  source: Source,
  now: Date,
): OutgoingEvent {
  return taskEvent('task.deleted', row, { task_id: row.id }, source, now);
}
