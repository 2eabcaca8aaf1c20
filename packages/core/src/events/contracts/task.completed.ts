import { z } from 'zod';
import type { TaskRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';
import { instant, iso, recurrenceField, recurrenceOf, timezoneField } from '../payload-fields.ts';

/**
 * `task.completed` carries the recurrence state as committed with the completion, so
 * on-task-completed computes the next occurrence from it rather than from a later, edited row.
 */
export const taskCompletedPayload = z.object({
  task_id: z.uuid(),
  completed_at: instant.nullable(),
  due_at: instant.nullable(),
  timezone: timezoneField,
  recurrence: recurrenceField.nullable(),
  series_id: z.uuid().nullable(),
  series_anchor_at: instant.nullable(),
  series_index: z.number().int().positive(),
});
export type TaskCompletedPayload = z.output<typeof taskCompletedPayload>;

export function taskCompletedEvent(
  row: TaskRow,
  source: Source,
  now: Date,
): OutgoingEvent<TaskCompletedPayload> {
  return buildEvent({
    type: 'task.completed',
    source,
    userId: row.user_id,
    subject: row.id,
    time: now,
    payload: {
      task_id: row.id,
      completed_at: iso(row.completed_at),
      due_at: iso(row.due_at),
      timezone: row.timezone,
      recurrence: recurrenceOf(row),
      series_id: row.series_id,
      series_anchor_at: iso(row.series_anchor_at),
      series_index: row.series_index,
    },
  });
}
