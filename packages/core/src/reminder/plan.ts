import type { ReminderStatus, TaskStatus } from '../db/database.ts';
import { validationFailed } from '../errors/app-error.ts';
import { remindAtFor } from '../time/zone.ts';
import type { ReminderSpec } from './input.ts';

export interface PlannedReminder {
  before: string | null;
  remind_at: Date;
  status: ReminderStatus;
}

/**
 * The status a reminder starts in. A reminder whose time has already passed is `skipped` rather
 * than sent late; one on a completed task is `cancelled` so reopening the task can revive it.
 */
export function initialReminderStatus(remindAt: Date, taskStatus: TaskStatus, now: Date): ReminderStatus {
  if (taskStatus === 'completed') return 'cancelled';
  return remindAt.getTime() > now.getTime() ? 'pending' : 'skipped';
}

/** Resolves reminder specs against the task's due date and zone; relative reminders need a due date. */
export function planReminders(
  specs: readonly ReminderSpec[],
  task: { dueAt: Date | null; timezone: string; status: TaskStatus },
  now: Date,
): PlannedReminder[] {
  return specs.map((spec, index) => {
    let remindAt: Date;
    if (spec.before !== null) {
      if (!task.dueAt)
        throw validationFailed(`reminders.${index}.before`, 'a relative reminder needs due_at');
      remindAt = remindAtFor(task.dueAt, spec.before, task.timezone);
    } else if (spec.at) {
      remindAt = spec.at;
    } else {
      throw validationFailed(`reminders.${index}`, 'give exactly one of before or at');
    }
    return {
      before: spec.before,
      remind_at: remindAt,
      status: initialReminderStatus(remindAt, task.status, now),
    };
  });
}
