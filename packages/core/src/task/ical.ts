// iCalendar (RFC 5545) for tasks: the export calendar apps read (one VTODO per task, a VTIMEZONE
// for every zone used) and the import of VTODOs written by Thunderbird, Apple Reminders,
// Tasks.org or this export. Reading goes through Mozilla's ical.js (Thunderbird's parser), so
// folding, escaping and parameters are handled as a calendar app handles them.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-details.ts';
import { isValidTimeZone } from '../time/zone.ts';
import { type ImportDocument, importDocumentSchema } from './transfer.ts';
import type { TaskView } from './view.ts';

/** "Repeat from completion" has no RFC 5545 property; this one carries it through a round trip. */
export const repeatFromProperty = 'X-NUDGE-REPEAT-FROM';

/** RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT values. */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF + space, never inside a UTF-8
 * sequence (a continuation line's leading space counts toward its 75).
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const utc = (date: Date) => DateTime.fromJSDate(date, { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
const iso = (text: string) => utc(new Date(text));

/**
 * The VTIMEZONE for an IANA zone, generated from the IANA data by timezones-ical-library; null for
 * UTC and for a zone the library does not know (its times are then written in UTC).
 */
function vtimezone(zone: string): string[] | null {
  if (zone === 'UTC') return null;
  const block = tzlib_get_ical_block(zone);
  const text = Array.isArray(block) ? block[0] : undefined;
  return text?.startsWith('BEGIN:VTIMEZONE') ? text.split(/\r\n/) : null;
}

/** A DATE-TIME in the task's zone (`;TZID=Europe/Berlin:20261123T090000`) or in UTC (`:…Z`). */
function zoned(name: string, instant: string, zone: string, zones: ReadonlySet<string>): string {
  if (!zones.has(zone)) return `${name}:${iso(instant)}`;
  const local = DateTime.fromISO(instant, { zone }).toFormat("yyyyMMdd'T'HHmmss");
  return `${name};TZID=${zone}:${local}`;
}

/** RFC 5545 priorities: 1–4 high, 5 medium, 6–9 low. */
const priorities: Record<TaskView['priority'], number> = { urgent: 1, high: 3, medium: 5, low: 9 };

// iCalendar durations (§3.3.6) have weeks, days, hours, minutes, seconds — no months or years.
const icalDuration = /^P(?:\d+W|(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/;

function alarm(task: TaskView, reminder: TaskView['reminders'][number]): string[] {
  const relative = reminder.before && icalDuration.test(reminder.before) && !reminder.before.endsWith('T');
  const trigger = relative
    ? `TRIGGER;RELATED=END:-${reminder.before}` // RELATED=END is relative to DUE in a VTODO
    : `TRIGGER;VALUE=DATE-TIME:${iso(reminder.remind_at)}`;
  return ['BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(task.title)}`, trigger, 'END:VALARM'];
}

function todo(task: TaskView, stamp: string, zones: ReadonlySet<string>): string[] {
  const lines = [
    'BEGIN:VTODO',
    `UID:${task.id}`,
    `DTSTAMP:${stamp}`,
    `CREATED:${iso(task.created_at)}`,
    `LAST-MODIFIED:${iso(task.updated_at)}`,
    `SUMMARY:${escapeText(task.title)}`,
  ];
  if (task.description) lines.push(`DESCRIPTION:${escapeText(task.description)}`);
  // RFC 5545 anchors an RRULE at DTSTART: the current occurrence, which is also its due time.
  if (task.due_at && task.recurrence) lines.push(zoned('DTSTART', task.due_at, task.timezone, zones));
  if (task.due_at) lines.push(zoned('DUE', task.due_at, task.timezone, zones));
  lines.push(`PRIORITY:${priorities[task.priority]}`);
  if (task.tags.length > 0) lines.push(`CATEGORIES:${task.tags.map(escapeText).join(',')}`);
  lines.push(`STATUS:${task.status === 'completed' ? 'COMPLETED' : 'NEEDS-ACTION'}`);
  if (task.completed_at) lines.push(`COMPLETED:${iso(task.completed_at)}`);
  if (task.recurrence) {
    lines.push(task.recurrence.rule); // stored normalised as `RRULE:…`
    lines.push(`${repeatFromProperty}:${task.recurrence.from.toUpperCase()}`);
  }
  if (task.due_at) for (const reminder of task.reminders) lines.push(...alarm(task, reminder));
  lines.push('END:VTODO');
  return lines;
}

/** An iCalendar with a VTIMEZONE per zone used and one VTODO per task; CRLF, folded at 75 octets. */
export function toICalendar(tasks: readonly TaskView[], now: Date): string {
  const stamp = utc(now);
  const timezones = new Map<string, string[]>();
  for (const task of tasks) {
    if (!task.due_at || timezones.has(task.timezone)) continue;
    const block = vtimezone(task.timezone);
    if (block) timezones.set(task.timezone, block);
  }
  const zones = new Set(timezones.keys());
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Nudge//task-api//EN',
    'CALSCALE:GREGORIAN',
    ...[...timezones.values()].flat(),
    ...tasks.flatMap((task) => todo(task, stamp, zones)),
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}

// ---- import ----

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The URL namespace of RFC 9562 §6.6; the name is prefixed so it never collides with a real URL's id.
const uuidNamespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A UUID for an iCalendar UID: the UID itself when it is one (our own export), else a v5 UUID of it. */
export function uidToId(uid: string): string {
  if (uuidPattern.test(uid)) return uid.toLowerCase();
  const hash = createHash('sha1').update(uuidNamespace).update(`nudge-ical:${uid}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The IANA zone a TZID names. Besides plain names, old Thunderbird writes
 * `/mozilla.org/20050126_1/Europe/Berlin` and others a leading `/`: the longest valid tail wins.
 */
function ianaZone(tzid: string): string | null {
  const parts = tzid.split('/').filter(Boolean);
  for (let start = 0; start < parts.length; start += 1) {
    const candidate = parts.slice(start).join('/');
    if (isValidTimeZone(candidate)) return candidate;
  }
  return null;
}

type Instant = { at: string; timezone: string };

/**
 * A DATE-TIME property as an instant and the zone it was written in. A TZID that names an IANA
 * zone is resolved with the IANA data; another (Outlook's "W. Europe Standard Time") through the
 * file's own VTIMEZONE. Floating times are read in the calendar's X-WR-TIMEZONE, else UTC; a
 * date without a time (an all-day task) becomes 09:00 that day, since a Nudge task has a time.
 */
function instantOf(
  property: ICAL.Property,
  fileZones: ReadonlyMap<string, ICAL.Timezone>,
  floatingZone: string,
): Instant {
  const time = property.getFirstValue() as ICAL.Time;
  const tzid = property.getParameter('tzid') as string | undefined;
  const wall = {
    year: time.year,
    month: time.month,
    day: time.day,
    hour: time.isDate ? 9 : time.hour,
    minute: time.isDate ? 0 : time.minute,
    second: time.isDate ? 0 : time.second,
  };
  const inZone = (zone: string): Instant => ({
    at: DateTime.fromObject(wall, { zone }).toUTC().toISO()!,
    timezone: zone,
  });
  if (time.isDate) return inZone(floatingZone);
  if (time.zone === ICAL.Timezone.utcTimezone) return inZone('UTC');
  if (tzid) {
    const zone = ianaZone(tzid);
    if (zone) return inZone(zone);
    const defined = fileZones.get(tzid);
    if (defined) {
      const copy = time.clone();
      copy.zone = defined;
      return { at: new Date(copy.toUnixTime() * 1000).toISOString(), timezone: 'UTC' };
    }
    throw invalid(property, `TZID ${tzid} is neither an IANA zone nor defined by a VTIMEZONE in the file`);
  }
  return inZone(floatingZone);
}

function invalid(where: ICAL.Property | string, message: string): AppError {
  const path = typeof where === 'string' ? where : where.name.toUpperCase();
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

/** RFC 5545 §3.8.1.9 priorities back to Nudge's: 1–2 urgent, 3–4 high, 5 or none medium, 6–9 low. */
function priorityOf(value: unknown): 'urgent' | 'high' | 'medium' | 'low' {
  const n = Number(value ?? 0);
  if (n >= 1 && n <= 2) return 'urgent';
  if (n >= 3 && n <= 4) return 'high';
  if (n >= 6 && n <= 9) return 'low';
  return 'medium';
}

const textOf = (todo: ICAL.Component, name: string) => {
  const value = todo.getFirstPropertyValue(name);
  return typeof value === 'string' ? value : null;
};

type ImportInput = Record<string, unknown> & { id: string };

function taskOf(
  todo: ICAL.Component,
  fileZones: ReadonlyMap<string, ICAL.Timezone>,
  floatingZone: string,
  now: Date,
): ImportInput {
  const uid = textOf(todo, 'uid');
  if (!uid) throw invalid('UID', 'every VTODO needs a UID (it makes a re-import create nothing new)');
  const id = uidToId(uid);
  const instant = (name: string) => {
    const property = todo.getFirstProperty(name);
    return property ? instantOf(property, fileZones, floatingZone) : null;
  };
  const start = instant('dtstart');
  const due = instant('due') ?? start;
  const stampOf = (name: string) => instant(name)?.at ?? null;
  const completed = textOf(todo, 'status')?.toUpperCase() === 'COMPLETED' || todo.hasProperty('completed');
  const rrule = todo.getFirstPropertyValue('rrule') as ICAL.Recur | null;
  const repeatFrom = textOf(todo, repeatFromProperty.toLowerCase())?.toLowerCase();

  const reminders = todo
    .getAllSubcomponents('valarm')
    .slice(0, 10)
    .flatMap((valarm, index) => {
      const trigger = valarm.getFirstProperty('trigger');
      if (!trigger) return [];
      const value = trigger.getFirstValue();
      const reminderId = uidToId(`${uid}#alarm-${index}`);
      if (value instanceof ICAL.Duration) {
        // Relative to DTSTART unless RELATED=END (DUE, in a VTODO); Thunderbird's default is START.
        const related = String(trigger.getParameter('related') ?? 'START').toUpperCase();
        const base = related === 'END' ? due : (start ?? due);
        if (!base || !due) return [];
        const seconds = value.toSeconds();
        const remindAt = new Date(new Date(base.at).getTime() + seconds * 1000).toISOString();
        // Only "before due" has a Nudge form that moves with the task; anything else stays absolute.
        const before = base.at === due.at && seconds <= 0 ? value.toString().replace(/^-/, '') : null;
        return [{ id: reminderId, before, remind_at: remindAt, status: 'pending', sent_at: null }];
      }
      const at = instantOf(trigger, fileZones, floatingZone).at;
      return [{ id: reminderId, before: null, remind_at: at, status: 'pending', sent_at: null }];
    });

  const tags = todo
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(String))
    .map((tag) => tag.trim())
    .filter(Boolean);

  return {
    id,
    title: textOf(todo, 'summary') ?? '',
    description: textOf(todo, 'description'),
    priority: priorityOf(todo.getFirstPropertyValue('priority')),
    tags,
    status: completed ? 'completed' : 'open',
    completed_at: completed ? (stampOf('completed') ?? stampOf('last-modified') ?? now.toISOString()) : null,
    due_at: due?.at ?? null,
    timezone: due?.timezone ?? 'UTC',
    recurrence: rrule
      ? { rule: `RRULE:${rrule.toString()}`, from: repeatFrom === 'completion' ? 'completion' : 'due' }
      : null,
    reminders,
    created_at: stampOf('created') ?? stampOf('dtstamp') ?? now.toISOString(),
    updated_at: stampOf('last-modified') ?? stampOf('dtstamp') ?? now.toISOString(),
  };
}

/**
 * Reads an iCalendar's VTODOs as an import document (`importTasks` then makes it idempotent:
 * each task's id comes from its UID). Other components (VEVENT, VJOURNAL) are ignored. Throws a
 * validation error naming the line or field that is wrong.
 */
export function calendarToImport(text: string, now: Date): ImportDocument {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text));
  } catch (error) {
    throw invalid(
      'body',
      `not an iCalendar file (${error instanceof Error ? error.message : 'unparseable'})`,
    );
  }
  if (calendar.name !== 'vcalendar') throw invalid('body', 'must be a VCALENDAR');
  const fileZones = new Map(
    calendar.getAllSubcomponents('vtimezone').map((component) => {
      const zone = new ICAL.Timezone(component);
      return [zone.tzid, zone] as const;
    }),
  );
  const declared = textOf(calendar, 'x-wr-timezone');
  const floatingZone = declared && isValidTimeZone(declared) ? declared : 'UTC';
  const todos = calendar.getAllSubcomponents('vtodo');
  // The same UID twice is one task with overrides (RECURRENCE-ID); the series' master is kept.
  const byId = new Map<string, ImportInput>();
  for (const todo of todos) {
    if (todo.hasProperty('recurrence-id')) continue;
    const task = taskOf(todo, fileZones, floatingZone, now);
    if (!byId.has(task.id)) byId.set(task.id, task);
  }
  return parseOrThrow(importDocumentSchema, { version: 1, tasks: [...byId.values()] });
}
