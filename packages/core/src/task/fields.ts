import type { Priority, RecurrenceFrom, TaskRow } from '../db/database.ts';
import { validationFailed } from '../errors/app-error.ts';

export interface Recurrence {
  /** Normalised RRULE (`RRULE:FREQ=DAILY`). */
  rule: string;
  from: RecurrenceFrom;
}

/** The user-writable fields of a task, in domain types. */
export interface TaskFields {
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  dueAt: Date | null;
  timezone: string;
  recurrence: Recurrence | null;
}

/** A stored task's writable fields. */
export function fieldsOf(row: TaskRow): TaskFields {
  return {
    title: row.title,
    description: row.description,
    priority: row.priority,
    tags: row.tags,
    dueAt: row.due_at,
    timezone: row.timezone,
    recurrence:
      row.recurrence_rule && row.recurrence_from
        ? { rule: row.recurrence_rule, from: row.recurrence_from }
        : null,
  };
}

/** Rules that span fields, checked on the final state of a create or a patch. */
export function assertConsistent(fields: TaskFields): void {
  if (fields.recurrence && !fields.dueAt) throw validationFailed('due_at', 'a recurring task needs due_at');
}
