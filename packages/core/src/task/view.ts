import { z } from 'zod';
import type { ReminderRow, TaskRow } from '../db/database.ts';
import { reminderStatusSchema } from '../reminder/status.ts';
import { prioritySchema, recurrenceFromSchema, taskStatusSchema } from './values.ts';

const time = z.iso.datetime({ offset: true });

export const reminderViewSchema = z.object({
  id: z.uuid(),
  before: z.string().nullable(),
  remind_at: time,
  status: reminderStatusSchema,
  sent_at: time.nullable(),
});

/** The task representation every route returns (and the JSON export carries). */
export const taskViewSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  priority: prioritySchema,
  tags: z.array(z.string()),
  status: taskStatusSchema,
  completed_at: time.nullable(),
  due_at: time.nullable(),
  timezone: z.string(),
  recurrence: z.object({ rule: z.string(), from: recurrenceFromSchema }).nullable(),
  parent_task_id: z.uuid().nullable(),
  reminders: z.array(reminderViewSchema),
  created_at: time,
  updated_at: time,
});

export type ReminderView = z.infer<typeof reminderViewSchema>;
export type TaskView = z.infer<typeof taskViewSchema>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toReminderView(row: ReminderRow): ReminderView {
  return {
    id: row.id,
    before: row.before,
    remind_at: row.remind_at.toISOString(),
    status: row.status,
    sent_at: iso(row.sent_at),
  };
}

/** A task row and its reminders (any order) as the API shows them: reminders in time order. */
export function toTaskView(row: TaskRow, reminders: readonly ReminderRow[]): TaskView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    priority: row.priority,
    tags: row.tags,
    status: row.status,
    completed_at: iso(row.completed_at),
    due_at: iso(row.due_at),
    timezone: row.timezone,
    recurrence:
      row.recurrence_rule && row.recurrence_from
        ? { rule: row.recurrence_rule, from: row.recurrence_from }
        : null,
    parent_task_id: row.parent_task_id,
    reminders: reminders
      .filter((r) => r.task_id === row.id)
      .sort((a, b) => a.remind_at.getTime() - b.remind_at.getTime() || a.id.localeCompare(b.id))
      .map(toReminderView),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
