import * as chrono from 'chrono-node';
import type { Span } from './spans.ts';
import {
  addDays,
  at,
  chronoReference,
  DEFAULT_TIME,
  isRealDate,
  type LocalDate,
  type TimeOfDay,
  weekdayOf,
  type ZoneContext,
} from './zone-context.ts';

/**
 * A date or time phrase chrono found. `instant` is set when the phrase names an instant outright
 * ("in 3 hours", "now", an ISO time with offset); otherwise `date` or `weekday` and `time` say what
 * was written, and `resolveWhen` places it in the zone.
 */
export interface DatePhrase extends Span {
  instant: Date | null;
  date: LocalDate | null;
  /** A weekday without a day ("friday"), placed by `resolveWhen`. */
  weekday: number | null;
  time: TimeOfDay | null;
}

/** What the text says about when, merged from at most one date phrase and one time phrase. */
export interface When {
  spans: Span[];
  phrase: DatePhrase;
}

// chrono's implied hours for parts of the day, except morning: 06:00 is earlier than anyone means.
const PARTS_OF_DAY: Record<string, number | null> = {
  morning: 9,
  afternoon: null,
  evening: null,
  tonight: null,
  night: null,
};

// Weekday abbreviations that are also everyday words ("sun cream", "SAT prep"): a date only with a time.
const WORDLIKE_WEEKDAYS = /^(?:on\s+)?(?:sun|sat)$/i;
const NEXT = /\bnext\b/i;
// Words that introduce a date and belong to its chip, not to the title.
const CONNECTOR =
  /(?<![\p{L}\p{N}])(?:due(?:\s+(?:on|by|at))?|on|at|by|from|starting(?:\s+(?:on|from))?)\s+$/iu;

function floatingMillis(c: chrono.ParsedComponents): number {
  return Date.UTC(
    c.get('year') ?? 0,
    (c.get('month') ?? 1) - 1,
    c.get('day') ?? 1,
    c.get('hour') ?? 0,
    c.get('minute') ?? 0,
    c.get('second') ?? 0,
  );
}

function phraseOf(result: chrono.ParsedResult, ctx: ZoneContext): DatePhrase | null {
  const c = result.start;
  const tags = result.tags();
  const span = { start: result.index, end: result.index + result.text.length };
  const component = (name: chrono.Component) => c.get(name) ?? 0;
  const base = { ...span, instant: null, date: null, weekday: null, time: null };
  if (tags.has('result/relativeDateAndTime') || tags.has('casualReference/now')) {
    // chrono added the duration to the reference's wall clock; the same span of real time from
    // `now` is right even across a DST change. Seconds are dropped: "in 30 minutes" is a minute.
    const { wall } = ctx;
    const reference = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
    const instant = new Date(ctx.now.getTime() + floatingMillis(c) - reference);
    instant.setUTCSeconds(0, 0);
    return { ...base, instant };
  }
  // After "next" chrono's reading of a weekday stands (the one after today), so it counts as a day.
  const dayKnown = c.isCertain('day') || tags.has('result/relativeDate') || NEXT.test(result.text);
  const weekdayOnly = !dayKnown && c.isCertain('weekday');
  const partOfDay = [...tags]
    .map((tag) => tag.replace('casualReference/', ''))
    .find((t) => t in PARTS_OF_DAY);
  const timeKnown = c.isCertain('hour') || partOfDay !== undefined;
  if (!dayKnown && !weekdayOnly && !timeKnown) return null; // a month or year alone is no due date
  if (weekdayOnly && !timeKnown && WORDLIKE_WEEKDAYS.test(result.text)) return null;
  const date = { year: component('year'), month: component('month'), day: component('day') };
  if (!isRealDate(date)) return null;
  const hour = partOfDay ? (PARTS_OF_DAY[partOfDay] ?? component('hour')) : component('hour');
  const time = timeKnown ? { hour, minute: component('minute') } : null;
  if (time && (time.hour > 23 || time.minute > 59)) return null;
  if (c.isCertain('timezoneOffset') && dayKnown && time) {
    // An explicit offset ("2027-01-15T10:00+02:00") names an instant whatever the user's zone.
    const instant = new Date(floatingMillis(c) - component('timezoneOffset') * 60_000);
    return { ...base, instant };
  }
  return {
    ...base,
    date: dayKnown ? date : null,
    weekday: weekdayOnly ? component('weekday') : null,
    time,
  };
}

/** All date and time phrases chrono finds in `masked`, each widened over a leading "on", "at", "by"…. */
export function findDatePhrases(masked: string, ctx: ZoneContext): DatePhrase[] {
  return chrono
    .parse(masked, chronoReference(ctx), { forwardDate: true })
    .map((result) => phraseOf(result, ctx))
    .filter((phrase) => phrase !== null)
    .map((phrase) => {
      const connector = CONNECTOR.exec(masked.slice(0, phrase.start));
      return connector ? { ...phrase, start: connector.index } : phrase;
    });
}

const hasDay = (p: DatePhrase) => p.instant !== null || p.date !== null || p.weekday !== null;
const hasTime = (p: DatePhrase) => p.instant !== null || p.time !== null;
const specificity = (p: DatePhrase) => (hasDay(p) ? 2 : 0) + (hasTime(p) ? 1 : 0);

/**
 * The phrase that says when: the most specific one (day and time over day over time), the last
 * of equals, so "Review May report on friday 5pm" is due friday. A day without a time takes the
 * time of a separate time phrase ("tomorrow call mom at 5pm"), and the other way round.
 */
export function pickWhen(phrases: readonly DatePhrase[]): When | null {
  let best: DatePhrase | null = null;
  for (const phrase of phrases) if (!best || specificity(phrase) >= specificity(best)) best = phrase;
  if (!best) return null;
  if (specificity(best) === 2) {
    const time = phrases.findLast((p) => specificity(p) === 1);
    if (time?.time)
      return { spans: [best, time].sort((a, b) => a.start - b.start), phrase: { ...best, time: time.time } };
  }
  return { spans: [best], phrase: best };
}

/** A phrase that only names a time of day, for times read outside chrono (reminders, recurrences). */
export function timeOnly(time: TimeOfDay): DatePhrase {
  return { start: 0, end: 0, instant: null, date: null, weekday: null, time };
}

/**
 * The instant a phrase means in the context's zone. A missing time is 09:00 local. A weekday is
 * the next such day whose time is still ahead (today included); after "next" it is chrono's
 * reading (never today). A time alone is today if still ahead, else tomorrow.
 */
export function resolveWhen(phrase: DatePhrase | null, ctx: ZoneContext): Date {
  if (phrase?.instant) return phrase.instant;
  const time = phrase?.time ?? DEFAULT_TIME;
  const today: LocalDate = { year: ctx.wall.year, month: ctx.wall.month, day: ctx.wall.day };
  if (phrase?.date) return at(ctx, phrase.date, time);
  // Today (a time alone) or the coming such weekday; a day or a week later when that has passed.
  const weekday = phrase?.weekday ?? null;
  const first = weekday === null ? today : addDays(today, (weekday - weekdayOf(today) + 7) % 7);
  const instant = at(ctx, first, time);
  if (instant.getTime() >= ctx.now.getTime()) return instant;
  return at(ctx, addDays(first, weekday === null ? 1 : 7), time);
}
