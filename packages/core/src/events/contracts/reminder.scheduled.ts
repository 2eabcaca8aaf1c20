import { z } from 'zod';
import type { ReminderRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';
import { instant } from '../payload-fields.ts';

/** `reminder.scheduled`: a pending reminder was created, moved or revived. */
export const reminderScheduledPayload = z.object({
  task_id: z.uuid(),
  reminder_id: z.uuid(),
  remind_at: instant,
});
export type ReminderScheduledPayload = z.output<typeof reminderScheduledPayload>;

export function reminderScheduledEvent(
  reminder: Pick<ReminderRow, 'id' | 'task_id' | 'user_id' | 'remind_at'>,
  source: Source,
  now: Date,
): OutgoingEvent<ReminderScheduledPayload> {
  return buildEvent({
    type: 'reminder.scheduled',
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
