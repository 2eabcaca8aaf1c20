import type { TaskView } from '@nudge/core';
import { DateTime } from 'luxon';

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

/** A DATE-TIME in the task's zone (`;TZID=Europe/Berlin:20261123T090000`) or in UTC (`:…Z`). */
function zoned(name: string, instant: string, zone: string): string {
  if (zone === 'UTC') return `${name}:${iso(instant)}`;
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

function todo(task: TaskView, stamp: string): string[] {
  const lines = [
    'BEGIN:VTODO',
    `UID:${task.id}`,
    `DTSTAMP:${stamp}`,
    `CREATED:${iso(task.created_at)}`,
    `LAST-MODIFIED:${iso(task.updated_at)}`,
    `SUMMARY:${escapeText(task.title)}`,
  ];
  if (task.description) lines.push(`DESCRIPTION:${escapeText(task.description)}`);
  if (task.due_at) lines.push(zoned('DUE', task.due_at, task.timezone));
  lines.push(`PRIORITY:${priorities[task.priority]}`);
  if (task.tags.length > 0) lines.push(`CATEGORIES:${task.tags.map(escapeText).join(',')}`);
  lines.push(`STATUS:${task.status === 'completed' ? 'COMPLETED' : 'NEEDS-ACTION'}`);
  if (task.completed_at) lines.push(`COMPLETED:${iso(task.completed_at)}`);
  if (task.recurrence) lines.push(task.recurrence.rule); // stored normalised as `RRULE:…`
  if (task.due_at) for (const reminder of task.reminders) lines.push(...alarm(task, reminder));
  lines.push('END:VTODO');
  return lines;
}

/** An iCalendar (RFC 5545) with one VTODO per task, CRLF line ends, folded at 75 octets. */
export function toICalendar(tasks: readonly TaskView[], now: Date): string {
  const stamp = utc(now);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Nudge//task-api//EN',
    'CALSCALE:GREGORIAN',
    ...tasks.flatMap((task) => todo(task, stamp)),
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
