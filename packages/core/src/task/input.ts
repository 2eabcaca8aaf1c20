import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { normalizeRule } from '../recurrence/rule.ts';
import { instantSchema, remindersInputSchema } from '../reminder/input.ts';
import { isValidTimeZone } from '../time/zone.ts';
import { prioritySchema, recurrenceFromSchema } from './values.ts';

/** PostgreSQL text cannot hold U+0000: refuse it as invalid input rather than fail the INSERT with a 500. */
export const storableText = () =>
  z.string().refine((value) => !value.includes('\u0000'), { error: 'must not contain U+0000' });

export const titleSchema = storableText().trim().min(1, { error: 'must not be empty' }).max(500);
export const descriptionSchema = storableText().max(10_000);
export const tagsSchema = z
  .array(storableText().trim().min(1, { error: 'must not be empty' }).max(50))
  .max(20, { error: 'at most 20 tags' })
  .transform((tags) => [...new Set(tags)]);
export const timezoneSchema = z
  .string()
  .refine(isValidTimeZone, { error: 'must be an IANA time zone like Europe/Berlin or UTC' });

/** An RRULE or shorthand, normalised (`daily` → `RRULE:FREQ=DAILY`); core's parser decides validity. */
export const ruleSchema = z
  .string()
  .max(1_000)
  .transform((value, ctx) => {
    try {
      return normalizeRule(value);
    } catch (error) {
      const message =
        error instanceof AppError ? (error.details[0]?.message ?? error.message) : 'invalid RRULE';
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
  });

export const recurrenceInputSchema = z.strictObject({
  rule: ruleSchema,
  from: recurrenceFromSchema.default('due'),
});

/** `POST /api/tasks` body. Cross-field rules (recurrence and relative reminders need due_at) live in the service. */
export const createTaskSchema = z.strictObject({
  title: titleSchema,
  description: descriptionSchema.nullable().optional(),
  priority: prioritySchema.default('medium'),
  tags: tagsSchema.default([]),
  due_at: instantSchema.nullable().optional(),
  timezone: timezoneSchema.default('UTC'),
  recurrence: recurrenceInputSchema.nullable().optional(),
  reminders: remindersInputSchema.default([]),
});

/** `PATCH /api/tasks/{id}` body: any writable field; `reminders` replaces the whole set. */
export const patchTaskSchema = z.strictObject({
  title: titleSchema.optional(),
  description: descriptionSchema.nullable().optional(),
  priority: prioritySchema.optional(),
  tags: tagsSchema.optional(),
  due_at: instantSchema.nullable().optional(),
  timezone: timezoneSchema.optional(),
  recurrence: recurrenceInputSchema.nullable().optional(),
  reminders: remindersInputSchema.optional(),
});

export type CreateTaskInput = z.output<typeof createTaskSchema>;
export type PatchTaskInput = z.output<typeof patchTaskSchema>;
