import { z } from 'zod';
import type { ReminderRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';
import { instant } from '../payload-fields.ts';

/** `reminder.cancelled`: a pending reminder will not be sent (task completed or deleted, reminder replaced or moved into the past). */
export const reminderCancelledPayload = z.object({
  task_id: z.uuid(),
  reminder_id: z.uuid(),
  remind_at: instant,
});
export type ReminderCancelledPayload = z.output<typeof reminderCancelledPayload>;

export function reminderCancelledEvent(
  reminder: Pick<ReminderRow, 'id' | 'task_id' | 'user_id' | 'remind_at'>,
  source: Source,
  now: Date,
): OutgoingEvent<ReminderCancelledPayload> {
  return buildEvent({
    type: 'reminder.cancelled',
    source,
    userId: reminder.user_id,
    subject: reminder.task_id,
    time: now,
    payload: {
      task_id: reminder.task_id,
      reminder_id: reminder.id,
      remind_at: reminder.remind_at.toISOString(),
    },
  });
}
