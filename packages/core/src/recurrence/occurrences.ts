import { DateTime } from 'luxon';
import rrulePackage from 'rrule';
import { instantAt } from '../time/zone.ts';
import { parseRule } from './rule.ts';

// rrule ships a UMD bundle as `main`: Node's ESM loader cannot see its named exports, so take them from the default.
const { RRule } = rrulePackage;

/*
 * rrule's own TZID support has open DST bugs, so rules are evaluated in floating time: the
 * series' local wall-clock start is written into a UTC Date, rrule iterates on those wall-clock
 * fields (no DST exists in UTC), and each result is read back as wall-clock time in the IANA zone.
 * "Daily at 09:00 Europe/Berlin" therefore stays 09:00 on both sides of a DST change. A local time
 * that does not exist (spring-forward gap) moves forward by the gap, as RFC 5545 §3.3.5 specifies;
 * an ambiguous one (fall-back) takes the first of its two instants.
 */

function toFloating(instant: Date, zone: string): Date {
  const local = DateTime.fromJSDate(instant, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

function fromFloating(floating: Date, zone: string): Date {
  return instantAt(
    {
      year: floating.getUTCFullYear(),
      month: floating.getUTCMonth() + 1,
      day: floating.getUTCDate(),
      hour: floating.getUTCHours(),
      minute: floating.getUTCMinutes(),
      second: floating.getUTCSeconds(),
    },
    zone,
  );
}

/** A rule bound to its series start and zone, answering questions in real instants. */
export interface Schedule {
  /** The first `count` occurrences (fewer when the rule ends). */
  first(count: number): Date[];
  /** The first occurrence strictly after `instant`, or null when the series has ended. */
  after(instant: Date): Date | null;
}

export interface ScheduleInput {
  rule: string;
  /** DTSTART: the series' first due date (an instant; its wall-clock time in `timezone` is what repeats). */
  dtstart: Date;
  timezone: string;
}

/** Builds a schedule for a rule anchored at `dtstart` in `timezone`. */
export function schedule({ rule, dtstart, timezone }: ScheduleInput): Schedule {
  const { options, untilIsUtc } = parseRule(rule);
  const floatingUntil = options.until && untilIsUtc ? toFloating(options.until, timezone) : options.until;
  const rrule = new RRule(
    { ...options, until: floatingUntil ?? null, dtstart: toFloating(dtstart, timezone), tzid: null },
    true,
  );
  // rrule works in whole seconds; the anchor's milliseconds (zone offsets are whole minutes)
  // are carried onto every occurrence so a series keeps its exact time of day.
  const millis = dtstart.getUTCMilliseconds();
  const toReal = (floating: Date) => new Date(fromFloating(floating, timezone).getTime() + millis);
  return {
    first(count) {
      return rrule.all((_, index) => index < count).map(toReal);
    },
    after(instant) {
      // Compare in floating time, then confirm in real time: around a fall-back the same wall-clock
      // minute maps to two instants, and within one second the milliseconds decide.
      let cursor = toFloating(instant, timezone);
      let inclusive = true;
      for (let guard = 0; guard < 4; guard += 1) {
        const next = rrule.after(cursor, inclusive);
        if (!next) return null;
        const real = toReal(next);
        if (real.getTime() > instant.getTime()) return real;
        cursor = next;
        inclusive = false;
      }
      return null;
    },
  };
}
