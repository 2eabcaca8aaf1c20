import { z } from 'zod';
import { parseIsoDuration } from '../time/zone.ts';

/** An RFC 3339 instant with an explicit offset (`Z` or `+02:00`); local times are ambiguous. */
export const instantSchema = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time with offset' });

/** A non-negative ISO 8601 duration such as `PT1H` or `P1D`. */
export const isoDurationSchema = z
  .string()
  .refine((text) => /^P/.test(text) && (parseIsoDuration(text)?.toMillis() ?? -1) >= 0, {
    error: 'must be a non-negative ISO 8601 duration like PT1H or P1D',
  });

/** A reminder as a client gives it: relative to the due date (`before`) or absolute (`at`). */
export const reminderInputSchema = z
  .strictObject({ before: isoDurationSchema.optional(), at: instantSchema.optional() })
  .refine((r) => (r.before === undefined) !== (r.at === undefined), {
    error: 'give exactly one of before or at',
  });

export const remindersInputSchema = z.array(reminderInputSchema).max(10, { error: 'at most 10 reminders' });

export type ReminderInput = z.output<typeof reminderInputSchema>;

/** A reminder to create: `before` (relative to due) or `at` (absolute), never both. */
export interface ReminderSpec {
  before: string | null;
  at: Date | null;
}

/** Turns validated input into specs. */
export function reminderSpecs(input: readonly ReminderInput[]): ReminderSpec[] {
  return input.map((r) => ({ before: r.before ?? null, at: r.at ? new Date(r.at) : null }));
}
