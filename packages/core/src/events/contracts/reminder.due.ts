import { z } from 'zod';
import type { ReminderRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import { sources } from '../event-types.ts';
import { instant } from '../payload-fields.ts';

/** `reminder.due`: cron-scan dispatched the reminder; on-reminder-due sends its email. */
export const reminderDuePayload = z.object({
  task_id: z.uuid(),
  reminder_id: z.uuid(),
  /** The reminder's time when it was dispatched: a later one means a task edit moved it since. */
  reminder_time: instant,
});
export type ReminderDuePayload = z.output<typeof reminderDuePayload>;

/** The reminder.due event for a dispatched reminder: subject = task, partition key = user. */
export function reminderDueEvent(
  reminder: Pick<ReminderRow, 'id' | 'task_id' | 'user_id' | 'remind_at'>,
  now: Date,
): OutgoingEvent<ReminderDuePayload> {
  return buildEvent({
    type: 'reminder.due',
    source: sources.cronScan,
    userId: reminder.user_id,
    subject: reminder.task_id,
    time: now,
    payload: {
      task_id: reminder.task_id,
      reminder_id: reminder.id,
      reminder_time: reminder.remind_at.toISOString(),
    },
  });
}
