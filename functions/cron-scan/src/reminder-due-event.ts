import { buildEvent, type OutgoingEvent, sources } from '@nudge/core';
import type { ClaimedReminder } from './claims.ts';

/** The reminder.due event for a dispatched reminder: subject = task, partition key = user. */
export function reminderDueEvent(reminder: ClaimedReminder, now: Date): OutgoingEvent {
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
