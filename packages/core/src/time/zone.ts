import { DateTime, Duration, IANAZone } from 'luxon';

// luxon builds an Intl.DateTimeFormat to answer each validity check (about 25 µs); the set of
// real zone names is small and fixed, so the valid ones are remembered (never arbitrary input).
const knownZones = new Set<string>(['UTC']);

/** True for an IANA zone name the runtime knows (`Europe/Berlin`, `UTC`); offsets like `+02:00` are not zones. */
export function isValidTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  const valid = zone.includes('/') && IANAZone.isValidZone(zone);
  if (valid) knownZones.add(zone);
  return valid;
}

/** Parses an ISO 8601 duration (`PT1H`, `P1D`, `P1W`); null when malformed. */
export function parseIsoDuration(text: string): Duration | null {
  const duration = Duration.fromISO(text);
  return duration.isValid ? duration : null;
}

/** Wall-clock fields in some zone (month 1–12). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

/**
 * The instant a wall-clock time names in an IANA zone. A time in the spring-forward gap moves
 * forward by the gap (02:30 → 03:30, RFC 5545 §3.3.5); a fall-back time that happens twice takes
 * the earlier instant. luxon alone picks either instant depending on the zone, hence the check.
 */
export function instantAt(wall: WallClock, timezone: string): Date {
  const guess = DateTime.fromObject(
    { ...wall, second: wall.second ?? 0, millisecond: 0 },
    { zone: timezone },
  );
  const floating = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  let best = guess.toMillis();
  // The zone's offsets a few hours either side cover both readings of an ambiguous time.
  for (const probe of [best - 6 * 3_600_000, best + 6 * 3_600_000]) {
    const offset = DateTime.fromMillis(probe, { zone: timezone }).offset;
    const candidate = floating - offset * 60_000;
    if (candidate < best && DateTime.fromMillis(candidate, { zone: timezone }).offset === offset)
      best = candidate;
  }
  return new Date(best);
}

/** The wall-clock fields of an instant in an IANA zone. */
export function wallClockOf(instant: Date, timezone: string): Required<WallClock> {
  const { year, month, day, hour, minute, second } = DateTime.fromJSDate(instant, { zone: timezone });
  return { year, month, day, hour, minute, second };
}

/**
 * The instant `before` ahead of `dueAt`, computed on the task's local calendar so `P1D`
 * before 09:00 is 09:00 the previous day even across a DST change.
 */
export function remindAtFor(dueAt: Date, before: string, timezone: string): Date {
  const duration = parseIsoDuration(before);
  if (!duration) throw new RangeError(`invalid ISO 8601 duration: ${before}`);
  return DateTime.fromJSDate(dueAt, { zone: timezone }).minus(duration).toJSDate();
}

// luxon's `ZZZZ` builds a new Intl.DateTimeFormat on every call (about 0.4 ms under load, the
// costliest step of sending a reminder); one cached formatter per zone gives the same name.
const zoneNameFormats = new Map<string, Intl.DateTimeFormat>();

function zoneName(instant: Date, timezone: string): string {
  let format = zoneNameFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'short' });
    zoneNameFormats.set(timezone, format);
  }
  return format.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? timezone;
}

/** Formats an instant as the wall-clock time in a zone, for humans (`Mon, 23 Nov 2026, 09:00 CET`). */
export function formatInZone(instant: Date, timezone: string): string {
  const wallClock = DateTime.fromJSDate(instant, { zone: timezone }).toFormat('ccc, d LLL yyyy, HH:mm');
  return `${wallClock} ${zoneName(instant, timezone)}`;
}
