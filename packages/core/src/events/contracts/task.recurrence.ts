import { z } from 'zod';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import { sources } from '../event-types.ts';
import { instant } from '../payload-fields.ts';

/** `task.recurrence`: a completed occurrence rolled its series forward to a new task. */
export const taskRecurrencePayload = z.object({
  parent_task_id: z.uuid(),
  recurrence_rule: z.string().min(1),
  /** The new occurrence. */
  task_id: z.uuid(),
  due_at: instant,
});
export type TaskRecurrencePayload = z.output<typeof taskRecurrencePayload>;

/** Written by on-task-completed with the next occurrence; subject = the new task. */
export function taskRecurrenceEvent(
  next: { userId: string; parentTaskId: string; rule: string; taskId: string; dueAt: Date },
  now: Date,
): OutgoingEvent<TaskRecurrencePayload> {
  return buildEvent({
    type: 'task.recurrence',
    source: sources.onTaskCompleted,
    userId: next.userId,
    subject: next.taskId,
    time: now,
    payload: {
      parent_task_id: next.parentTaskId,
      recurrence_rule: next.rule,
      task_id: next.taskId,
      due_at: next.dueAt.toISOString(),
    },
  });
}
