import type { ReminderRow } from '../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../events/envelope.ts';
import type { Source } from '../events/event-types.ts';

/** `reminder.scheduled` / `reminder.cancelled` for one reminder: subject = task, partition = user. */
export function reminderEvent(
  type: 'reminder.scheduled' | 'reminder.cancelled',
  reminder: Pick<ReminderRow, 'id' | 'task_id' | 'user_id' | 'remind_at'>,
  source: Source,
  now: Date,
): OutgoingEvent {
  return buildEvent({
    type,
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
