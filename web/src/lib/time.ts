// Showing instants in the user's zone (the browser's), and turning a wall time in a task's zone
// into an instant for the API. Display only: recurrence and reminders are computed by the server.

export const userZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dayMs = 86_400_000;

/** Local midnight of the day `offset` days from the day of `date`. */
export function startOfDay(date: Date, offset = 0): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + offset);
}

/** A key per local calendar day, for grouping. */
export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

// "8:00 PM" where the locale counts 12 hours, "09:00" where it counts 24.
const twelveHours = /h1[12]/.test(
  new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hourCycle ?? '',
);
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: twelveHours ? 'numeric' : '2-digit',
  minute: '2-digit',
});
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const longDateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
});
const yearDateFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatTime = (date: Date) => timeFormat.format(date);
export const formatFull = (iso: string) => fullFormat.format(new Date(iso));

export type DueTone = 'overdue' | 'today' | 'soon' | 'later';

/** "Overdue · Mon 3 Mar", "Today 09:00", "Tomorrow 09:00", "Fri 09:00", "3 Mar 09:00". */
export function dueLabel(iso: string, now = new Date()): { text: string; tone: DueTone } {
  const due = new Date(iso);
  const today = startOfDay(now);
  const days = Math.round((startOfDay(due).getTime() - today.getTime()) / dayMs);
  const time = formatTime(due);
  if (days < 0) return { text: `Overdue · ${dateFormat.format(due)}`, tone: 'overdue' };
  if (days === 0) return { text: `Today ${time}`, tone: due < now ? 'overdue' : 'today' };
  if (days === 1) return { text: `Tomorrow ${time}`, tone: 'soon' };
  if (days < 7) return { text: `${weekdayFormat.format(due)} ${time}`, tone: 'later' };
  if (due.getFullYear() === now.getFullYear())
    return { text: `${dateFormat.format(due)} ${time}`, tone: 'later' };
  return { text: `${yearDateFormat.format(due)} ${time}`, tone: 'later' };
}

/** "Today · Monday 3 March", "Tomorrow · Tuesday 4 March", "Wednesday 5 March". */
export function dayHeading(day: Date, now = new Date()): string {
  const days = Math.round((day.getTime() - startOfDay(now).getTime()) / dayMs);
  const long = longDateFormat.format(day);
  if (days === 0) return `Today · ${long}`;
  if (days === 1) return `Tomorrow · ${long}`;
  return long;
}

/** The wall-clock date and time of an instant in a zone: `{date: "2027-03-08", time: "08:00"}`. */
export function wallTime(iso: string, zone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

function zoneOffsetMs(instant: number, zone: string): number {
  const { date, time } = wallTime(new Date(instant).toISOString(), zone);
  return Date.parse(`${date}T${time}:00Z`) - Math.floor(instant / 60_000) * 60_000;
}

/**
 * The instant at which the wall clock in `zone` shows `date` `time` ("2027-03-08", "08:00").
 * A wall time skipped by a DST change resolves to the later offset's reading.
 */
export function zonedInstant(date: string, time: string, zone: string): string {
  const wall = Date.parse(`${date}T${time}:00Z`);
  let instant = wall - zoneOffsetMs(wall, zone);
  instant = wall - zoneOffsetMs(instant, zone);
  return new Date(instant).toISOString();
}

export const timeZones: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [userZone, 'UTC'];
  }
})();
