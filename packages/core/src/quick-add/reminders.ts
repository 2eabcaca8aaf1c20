import { CLOCK, clockTime, formatClock } from './clock.ts';
import type { Span } from './spans.ts';
import type { TimeOfDay } from './zone-context.ts';

/** A reminder phrase: relative to the due date (`before`, ISO 8601) or at a time of day. */
export interface ReminderPhrase extends Span {
  before: string | null;
  at: TimeOfDay | null;
  label: string;
}

const UNITS: Array<{ pattern: RegExp; iso: (n: number) => string; name: string }> = [
  { pattern: /^(?:m|mins?|minutes?)$/i, iso: (n) => `PT${n}M`, name: 'minute' },
  { pattern: /^(?:h|hrs?|hours?)$/i, iso: (n) => `PT${n}H`, name: 'hour' },
  { pattern: /^(?:d|days?)$/i, iso: (n) => `P${n}D`, name: 'day' },
  { pattern: /^(?:w|wks?|weeks?)$/i, iso: (n) => `P${n}W`, name: 'week' },
];

const REMINDER = new RegExp(
  `(?<![\\p{L}\\p{N}])remind(?:\\s+me)?\\s+(?:(\\d{1,3}|an?|one)\\s*(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)\\s+(?:before|earlier|ahead)|at\\s+${CLOCK})(?![\\p{L}\\p{N}])`,
  'giu',
);

/** "remind me 1 hour before", "remind me 2 days before", "remind me at 8am" — at most 10, as the API allows. */
export function findReminders(masked: string): ReminderPhrase[] {
  const found: ReminderPhrase[] = [];
  for (const m of masked.matchAll(REMINDER)) {
    if (found.length === 10) break;
    const span = { start: m.index, end: m.index + m[0].length };
    if (m[1] && m[2]) {
      const n = /^\d/.test(m[1]) ? Number.parseInt(m[1], 10) : 1;
      const unit = UNITS.find((u) => u.pattern.test(m[2] as string));
      if (!unit) continue;
      found.push({
        ...span,
        before: unit.iso(n),
        at: null,
        label: `${n} ${unit.name}${n === 1 ? '' : 's'} before`,
      });
      continue;
    }
    const time = clockTime([m[3], m[4], m[5], m[6]]);
    if (time) found.push({ ...span, before: null, at: time, label: `at ${formatClock(time)}` });
  }
  return found;
}
