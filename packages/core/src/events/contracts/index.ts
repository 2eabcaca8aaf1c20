import type { z } from 'zod';
import type { EventType } from '../event-types.ts';
import { reminderCancelledPayload } from './reminder.cancelled.ts';
import { reminderDuePayload } from './reminder.due.ts';
import { reminderScheduledPayload } from './reminder.scheduled.ts';
import { taskCompletedPayload } from './task.completed.ts';
import { taskCreatedPayload } from './task.created.ts';
import { taskDeletedPayload } from './task.deleted.ts';
import { taskRecurrencePayload } from './task.recurrence.ts';
import { taskUpdatedPayload } from './task.updated.ts';

/**
 * Every event type's payload schema. Each lives in `contracts/<type>.ts` beside the builder that
 * producers call; consumers validate with the same schema. docs/events.md lists these fields.
 */
export const payloadSchemas = {
  'task.created': taskCreatedPayload,
  'task.updated': taskUpdatedPayload,
  'task.completed': taskCompletedPayload,
  'task.deleted': taskDeletedPayload,
  'task.recurrence': taskRecurrencePayload,
  'reminder.scheduled': reminderScheduledPayload,
  'reminder.cancelled': reminderCancelledPayload,
  'reminder.due': reminderDuePayload,
} as const satisfies Record<EventType, z.ZodObject>;
