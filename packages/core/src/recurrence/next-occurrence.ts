import { DateTime } from 'luxon';
import type { RecurrenceFrom } from '../db/database.ts';
import { schedule } from './occurrences.ts';
import { parseRule } from './rule.ts';

export interface CompletedOccurrence {
  /** Normalised RRULE of the series. */
  rule: string;
  from: RecurrenceFrom;
  timezone: string;
  /** DTSTART of the series: its first due date. */
  seriesAnchorAt: Date;
  /** 1 for the series' first task. */
  seriesIndex: number;
  dueAt: Date;
  completedAt: Date;
}

function withoutCount(rule: string): string {
  const [prefix, body = ''] = rule.split(':', 2);
  return `${prefix}:${body
    .split(';')
    .filter((part) => !/^COUNT=/i.test(part))
    .join(';')}`;
}

/**
 * The due date of the occurrence after a completed one, or null when the series has ended.
 *
 * `due`: the first occurrence of the series (DTSTART = series anchor, in the task's zone) strictly
 * after both the completed due date and the completion — finishing early moves to the following
 * slot, finishing late skips the missed ones. COUNT and UNTIL count from the anchor.
 *
 * `completion`: the rule restarts on the completion's local date at the task's local due time,
 * and the next task is its first occurrence strictly after that start ("3 days after I finish").
 * A restarted rule cannot count its own past, so COUNT is checked against `seriesIndex`.
 */
export function nextOccurrence(completed: CompletedOccurrence): Date | null {
  const { timezone } = completed;
  if (completed.from === 'due') {
    const after = new Date(Math.max(completed.dueAt.getTime(), completed.completedAt.getTime()));
    return schedule({ rule: completed.rule, dtstart: completed.seriesAnchorAt, timezone }).after(after);
  }
  const count = parseRule(completed.rule).options.count;
  if (typeof count === 'number' && completed.seriesIndex >= count) return null;
  const due = DateTime.fromJSDate(completed.dueAt, { zone: timezone });
  const done = DateTime.fromJSDate(completed.completedAt, { zone: timezone });
  const start = DateTime.fromObject(
    {
      year: done.year,
      month: done.month,
      day: done.day,
      hour: due.hour,
      minute: due.minute,
      second: due.second,
    },
    { zone: timezone },
  ).toJSDate();
  return schedule({ rule: withoutCount(completed.rule), dtstart: start, timezone }).after(start);
}
