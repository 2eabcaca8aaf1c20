import { reminderMail } from '@nudge/on-reminder-due/reminder-mail';

/** The Message-ID on-reminder-due gives a reminder's email (reminder-mail.ts): how a sink's deliveries are matched to reminders. */
export const reminderMessageId = (reminderId: string) =>
  reminderMail({
    reminderId,
    email: '',
    title: '',
    description: null,
    dueAt: null,
    remindAt: new Date(0),
    timezone: 'UTC',
  }).messageId;
