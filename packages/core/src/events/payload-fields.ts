// Field schemas several event contracts share (contracts/<type>.ts), so a field means the same in each.
import { z } from 'zod';
import type { TaskRow } from '../db/database.ts';
import { recurrenceFromSchema } from '../task/values.ts';
import { isValidTimeZone } from '../time/zone.ts';

/** Timestamps travel as RFC 3339 UTC (`toISOString()`). */
export const instant = z.iso.datetime({ offset: true });
export const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const timezoneField = z.string().refine(isValidTimeZone, { error: 'must be an IANA time zone' });

/** A series' rule as stored (normalised RRULE) and what it counts from. */
export const recurrenceField = z.object({ rule: z.string().min(1), from: recurrenceFromSchema });

export function recurrenceOf(row: TaskRow): z.output<typeof recurrenceField> | null {
  return row.recurrence_rule && row.recurrence_from
    ? { rule: row.recurrence_rule, from: row.recurrence_from }
    : null;
}
