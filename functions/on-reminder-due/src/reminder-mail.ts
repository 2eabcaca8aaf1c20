import { formatInZone } from '@nudge/core';
import type { ReminderMail } from './mailer.ts';

export interface ReminderMailInput {
  reminderId: string;
  email: string;
  title: string;
  description: string | null;
  dueAt: Date | null;
  remindAt: Date;
  timezone: string;
}

/** The reminder email: subject names the task, body gives the due time in the task's own zone. */
export function reminderMail(input: ReminderMailInput): ReminderMail {
  const when = input.dueAt
    ? `It is due ${formatInZone(input.dueAt, input.timezone)}.`
    : `You asked to be reminded at ${formatInZone(input.remindAt, input.timezone)}.`;
  const lines = [`Reminder: ${input.title}`, '', when];
  if (input.description) lines.push('', input.description);
  lines.push('', '— Nudge');
  return {
    to: input.email,
    subject: input.dueAt
      ? `Reminder: ${input.title} (due ${formatInZone(input.dueAt, input.timezone)})`
      : `Reminder: ${input.title}`,
    text: lines.join('\n'),
    messageId: `<reminder-${input.reminderId}@nudge>`,
  };
}
