import { createTaskSchema, formatInZone, patchTaskSchema, type TaskView, taskViewSchema } from '@nudge/core';
import { z } from 'zod';

/** How each writable task field is explained to a model; one text for add_task and update_task. */
const fieldText = {
  title: 'Short title of the task, e.g. "Submit report".',
  description: 'Longer notes, or null to clear them.',
  priority: 'One of low, medium (the default), high, urgent.',
  tags: 'Tags without "#", e.g. ["work", "finance"]. On update, replaces the whole list.',
  due_at:
    'When the task is due, as RFC 3339 with an offset, e.g. "2026-11-27T17:00:00+01:00". Work out relative dates ("friday 5pm") in the user\'s time zone first. null clears it.',
  timezone:
    'IANA time zone of the user, e.g. "Europe/Berlin" (default UTC). Recurrence keeps the same local time in this zone across DST.',
  recurrence:
    'Makes the task repeat: {"rule": RRULE or shorthand, "from": "due" | "completion"}. Rule examples: "daily", "weekly", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1". "due" (default) keeps a fixed schedule; "completion" counts from when the user finishes it. Needs due_at. Completing it creates the next occurrence as a new task. null stops the repetition.',
  reminders:
    'Email reminders: [{"before": ISO 8601 duration before the due date, e.g. "PT1H" or "P1D"}] or [{"at": RFC 3339 instant}]. At most 10. On update, replaces all reminders.',
} as const;

type Described<S extends z.ZodRawShape> = z.ZodObject<S, z.core.$strict>;

/** The same strict schema with each field's description for the model; validation is unchanged. */
function described<S extends z.ZodRawShape>(schema: z.ZodObject<S>): Described<S> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      const text = (fieldText as Record<string, string>)[key];
      return [key, text ? (field as z.ZodType).describe(text) : field];
    }),
  );
  return z.strictObject(shape) as unknown as Described<S>;
}

/** add_task's input: exactly `POST /api/tasks`'s body schema, described. */
export const createTaskInput = described(createTaskSchema);

/** update_task's changes: exactly `PATCH /api/tasks/{id}`'s body schema, described. */
export const patchTaskInput = described(patchTaskSchema);

/** Output of every tool that answers one task. */
export const taskResult = z.object({ task: taskViewSchema });

/** One line a model (and a person reading the transcript) can scan: title, due time in the task's zone, id. */
export function taskLine(task: TaskView): string {
  const parts = [`"${task.title}"`];
  if (task.due_at) {
    parts.push(`due ${formatInZone(new Date(task.due_at), task.timezone)} (${task.timezone})`);
  }
  if (task.priority !== 'medium') parts.push(task.priority);
  if (task.tags.length > 0) parts.push(task.tags.map((tag) => `#${tag}`).join(' '));
  if (task.recurrence) parts.push(`repeats ${task.recurrence.rule.replace(/^RRULE:/, '')}`);
  if (task.status === 'completed') parts.push('completed');
  if (task.reminders.length > 0) parts.push(`${task.reminders.length} reminder(s)`);
  parts.push(`id ${task.id}`);
  return parts.join(' · ');
}
