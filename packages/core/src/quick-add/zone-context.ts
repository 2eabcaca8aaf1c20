import { DateTime } from 'luxon';
import { instantAt, type WallClock, wallClockOf } from '../time/zone.ts';

/** Where and when a text is parsed: the user's IANA zone and the instant they typed it. */
export interface ZoneContext {
  timezone: string;
  now: Date;
  /** `now` as wall-clock time in `timezone`. */
  wall: Required<WallClock>;
}

export function zoneContext(timezone: string, now: Date): ZoneContext {
  return { timezone, now, wall: wallClockOf(now, timezone) };
}

/**
 * The reference Date for chrono. chrono reads and writes wall-clock fields of a JS Date in the
 * machine's zone, so this Date's machine-local fields are `now`'s wall clock in the user's zone;
 * what chrono finds is then resolved in the user's zone by `at` (luxon), never by the machine.
 */
export function chronoReference({ wall }: ZoneContext): Date {
  return new Date(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** A local calendar day. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** A local time of day. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** A date without a time of day is due at 09:00 local. */
export const DEFAULT_TIME: TimeOfDay = { hour: 9, minute: 0 };

/** The calendar day `days` after `date` (negative for before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, as chrono and JavaScript count. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** True for a real calendar day in the years an RFC 3339 timestamp can carry. */
export function isRealDate({ year, month, day }: LocalDate): boolean {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) return false;
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** The instant of `time` on `date` in the context's zone. */
export function at(ctx: ZoneContext, date: LocalDate, time: TimeOfDay): Date {
  return instantAt({ ...date, ...time }, ctx.timezone);
}

/** RFC 3339 with the zone's offset, e.g. `2027-03-12T17:00:00+01:00`. */
export function toRfc3339(instant: Date, timezone: string): string {
  return DateTime.fromJSDate(instant, { zone: timezone }).toISO({ suppressMilliseconds: true }) as string;
}

/** A chip label such as `Fri 12 Mar, 17:00` (with the year when it is not the current one). */
export function describeInstant(instant: Date, ctx: ZoneContext): string {
  const local = DateTime.fromJSDate(instant, { zone: ctx.timezone }).setLocale('en');
  return local.toFormat(local.year === ctx.wall.year ? 'ccc d LLL, HH:mm' : 'ccc d LLL yyyy, HH:mm');
}
