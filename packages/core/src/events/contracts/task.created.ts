import { z } from 'zod';
import type { TaskRow } from '../../db/database.ts';
import { prioritySchema } from '../../task/values.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';
import { instant, iso, recurrenceField, recurrenceOf, timezoneField } from '../payload-fields.ts';

/** `task.created`: the new task's content, enough for a consumer that never reads the database. */
export const taskCreatedPayload = z.object({
  task_id: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  priority: prioritySchema,
  tags: z.array(z.string()),
  due_at: instant.nullable(),
  timezone: timezoneField,
  recurrence: recurrenceField.nullable(),
  parent_task_id: z.uuid().nullable(),
  series_id: z.uuid().nullable(),
  series_index: z.number().int().positive(),
});
export type TaskCreatedPayload = z.output<typeof taskCreatedPayload>;

export function taskCreatedEvent(row: TaskRow, source: Source, now: Date): OutgoingEvent<TaskCreatedPayload> {
  return buildEvent({
    type: 'task.created',
    source,
    userId: row.user_id,
    subject: row.id,
    time: now,
    payload: {
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
  });
}
