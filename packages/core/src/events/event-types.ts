/** Every event type Nudge emits, and the topic it travels on. */
export const taskEventTypes = [
  'task.created',
  'task.updated',
  'task.completed',
  'task.deleted',
  'task.recurrence',
] as const;
export const reminderEventTypes = ['reminder.scheduled', 'reminder.cancelled', 'reminder.due'] as const;

export type TaskEventType = (typeof taskEventTypes)[number];
export type ReminderEventType = (typeof reminderEventTypes)[number];
export type EventType = TaskEventType | ReminderEventType;

export const topics = { taskEvents: 'task-events', reminders: 'reminders' } as const;
export type Topic = (typeof topics)[keyof typeof topics];

/** task.* go to `task-events`, reminder.* to `reminders`. */
export function topicFor(type: EventType): Topic {
  return type.startsWith('task.') ? topics.taskEvents : topics.reminders;
}

/** The CloudEvents `source` of each emitter (a URI reference naming the function). */
export const sources = {
  taskApi: '/nudge/task-api',
  onTaskCompleted: '/nudge/on-task-completed',
  onReminderDue: '/nudge/on-reminder-due',
  cronScan: '/nudge/cron-scan',
} as const;
export type Source = (typeof sources)[keyof typeof sources];
