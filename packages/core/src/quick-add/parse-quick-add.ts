import type { z } from 'zod';
import type { Priority } from '../db/database.ts';
import { validationFailed } from '../errors/app-error.ts';
import type { ReminderInput } from '../reminder/input.ts';
import { isValidTimeZone, wallClockOf } from '../time/zone.ts';
import { findDatePhrases, pickWhen, resolveWhen, timeOnly } from './dates.ts';
import type { quickAddTokenKindSchema } from './input.ts';
import { findPriority, findTags } from './markers.ts';
import { findQuotes } from './quotes.ts';
import { findRecurrences, firstOccurrence, type RecurrencePhrase } from './recurrence.ts';
import { findReminders } from './reminders.ts';
import { mask, type Span } from './spans.ts';
import { at, describeInstant, toRfc3339, zoneContext } from './zone-context.ts';

export type QuickAddTokenKind = z.output<typeof quickAddTokenKindSchema>;

/** A recognised phrase, for a chip: UTF-16 offsets into the text (end exclusive) and a short label. */
export interface QuickAddToken {
  start: number;
  end: number;
  kind: QuickAddTokenKind;
  value: string;
}

/** A `POST /api/tasks` body; fields other than title and timezone appear only when recognised. */
export interface QuickAddDraft {
  title: string;
  timezone: string;
  due_at?: string;
  recurrence?: { rule: string; from: 'due' | 'completion' };
  priority?: Priority;
  tags?: string[];
  reminders?: ReminderInput[];
}

export interface QuickAddResult {
  draft: QuickAddDraft;
  tokens: QuickAddToken[];
}

export interface QuickAddOptions {
  /** The user's IANA zone: dates are read on its wall clock. */
  timezone: string;
  /** The instant the text was typed; "today", "in 3 days" and "at 5pm" count from it. */
  now: Date;
}

const TITLE_MAX = 500; // createTaskSchema's limit; callers cap the text at 1000

/** Collapses whitespace, drops U+0000 (PostgreSQL text cannot hold it) and keeps within the title limit. */
function cleanTitle(text: string): string {
  let title = text.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim();
  if (title.length > TITLE_MAX) {
    title = title.slice(0, TITLE_MAX);
    if (/[\uD800-\uDBFF]$/.test(title)) title = title.slice(0, -1); // never split a surrogate pair
    title = title.trimEnd();
  }
  return title;
}

/** The text without the recognised phrases and quote marks; the whole text when nothing else is left. */
function titleOf(text: string, removed: readonly Span[], quoteMarks: readonly number[]): string {
  const chars = text.split('');
  for (const { start, end } of removed) chars.fill(' ', start, end);
  for (const mark of quoteMarks) chars[mark] = ' ';
  return cleanTitle(chars.join('')) || cleanTitle(text);
}

/**
 * Reads a quick-add line ("Pay rent every month on the 1st #home p1") into a task draft and
 * the chips to show. Pure and total: text it does not understand stays in the title, and it
 * throws only for an invalid zone or `now`. The grammar is described in docs/api.md.
 */
export function parseQuickAdd(text: string, { timezone, now }: QuickAddOptions): QuickAddResult {
  if (!isValidTimeZone(timezone)) throw validationFailed('timezone', 'must be an IANA time zone');
  if (Number.isNaN(now.getTime())) throw validationFailed('now', 'must be an RFC 3339 time');
  const ctx = zoneContext(timezone, now);
  const tokens: QuickAddToken[] = [];

  // Each pass reads what earlier passes left: quotes first, so nothing inside them is parsed.
  const quotes = findQuotes(text);
  let masked = mask(text, quotes.literal);
  const priority = findPriority(masked);
  const tags = findTags(masked);
  masked = mask(masked, [...(priority ? [priority] : []), ...tags]);
  const reminders = findReminders(masked);
  masked = mask(masked, reminders);
  const recurrences = findRecurrences(masked, ctx);
  masked = mask(masked, recurrences); // all of them, so an unused one is not read as a date either
  const when = pickWhen(findDatePhrases(masked, ctx));

  let recurrence: RecurrencePhrase | null = recurrences.at(-1) ?? null;
  let due: Date | null = null;
  if (recurrence) {
    // The series starts at the date the text names (or now) and repeats at the time it names.
    const { time } = recurrence;
    const phrase = time ? (when ? { ...when.phrase, time } : timeOnly(time)) : (when?.phrase ?? null);
    due = firstOccurrence(recurrence.rule, resolveWhen(phrase, ctx), timezone);
    if (!due) recurrence = null; // "until" before the first occurrence: no series to create
  }
  if (!due && when) due = resolveWhen(when.phrase, ctx);

  const draft: QuickAddDraft = { title: '', timezone };
  if (due) {
    draft.due_at = toRfc3339(due, timezone);
    const value = describeInstant(due, ctx);
    for (const { start, end } of when?.spans ?? []) tokens.push({ start, end, kind: 'date', value });
  }
  if (recurrence) {
    draft.recurrence = { rule: recurrence.rule, from: recurrence.from };
    tokens.push({
      start: recurrence.start,
      end: recurrence.end,
      kind: 'recurrence',
      value: recurrence.label,
    });
  }
  if (priority) {
    draft.priority = priority.priority;
    tokens.push({ start: priority.start, end: priority.end, kind: 'priority', value: priority.label });
  }
  if (tags.length > 0) {
    draft.tags = [...new Set(tags.map((t) => t.tag))];
    for (const t of tags) tokens.push({ start: t.start, end: t.end, kind: 'tag', value: `#${t.tag}` });
  }
  const reminderInputs: ReminderInput[] = [];
  for (const reminder of reminders) {
    if (reminder.before !== null) {
      if (!due) continue; // "1 hour before" means nothing without a due date: it stays in the title
      reminderInputs.push({ before: reminder.before });
      tokens.push({ start: reminder.start, end: reminder.end, kind: 'reminder', value: reminder.label });
    } else if (reminder.at) {
      // On the due date's day; without one, the next such time of day.
      const instant = due
        ? at(ctx, wallClockOf(due, timezone), reminder.at)
        : resolveWhen(timeOnly(reminder.at), ctx);
      reminderInputs.push({ at: toRfc3339(instant, timezone) });
      tokens.push({
        start: reminder.start,
        end: reminder.end,
        kind: 'reminder',
        value: describeInstant(instant, ctx),
      });
    }
  }
  if (reminderInputs.length > 0) draft.reminders = reminderInputs;

  tokens.sort((a, b) => a.start - b.start);
  draft.title = titleOf(text, tokens, quotes.marks);
  return { draft, tokens };
}
