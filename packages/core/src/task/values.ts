import { z } from 'zod';

// The value sets of a task, defined once: the database types (db/database.ts), the input schemas,
// the views, the event contracts and the OpenAPI document (generated from those schemas) derive
// from these lists. The initial migration's CHECK constraints spell them out too: migrations are frozen.

/** Task priorities, lowest first. */
export const priorities = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof priorities)[number];
export const prioritySchema = z.enum(priorities);

export const taskStatuses = ['open', 'completed'] as const;
export type TaskStatus = (typeof taskStatuses)[number];
export const taskStatusSchema = z.enum(taskStatuses);

/** What a recurring task's next occurrence counts from: its due date or its completion. */
export const recurrenceFroms = ['due', 'completion'] as const;
export type RecurrenceFrom = (typeof recurrenceFroms)[number];
export const recurrenceFromSchema = z.enum(recurrenceFroms);
