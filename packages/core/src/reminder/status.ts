import { z } from 'zod';

/**
 * A reminder's life: `pending` until sent (`sent`), refused for good (`failed`), given up without
 * mail (`skipped`: past on creation, task completed, no email) or withdrawn (`cancelled`: its task
 * was completed; reopening revives it). The one list the database type, views and import derive from.
 */
export const reminderStatuses = ['pending', 'sent', 'cancelled', 'failed', 'skipped'] as const;
export type ReminderStatus = (typeof reminderStatuses)[number];
export const reminderStatusSchema = z.enum(reminderStatuses);
