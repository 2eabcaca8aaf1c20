import * as chrono from 'chrono-node';
import { schedule } from '../recurrence/occurrences.ts';
import { normalizeRule } from '../recurrence/rule.ts';
import { instantAt } from '../time/zone.ts';
import { CLOCK, clockTime, formatClock } from './clock.ts';
import type { Span } from './spans.ts';
import {
  chronoReference,
  isRealDate,
  type LocalDate,
  type TimeOfDay,
  type ZoneContext,
} from './zone-context.ts';

/** A recurrence phrase: the RRULE it means and how it reads on a chip. */
export interface RecurrencePhrase extends Span {
  /** Normalised by core (`RRULE:FREQ=WEEKLY;BYDAY=MO,TH`). */
  rule: string;
  from: 'due' | 'completion';
  /** A time of day written in the phrase ("every day at 7:30am"). */
  time: TimeOfDay | null;
  label: string;
}

const END = '(?![\\p{L}\\p{N}])';
const WEEKDAY =
  '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)s?';
const MONTH =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)';
const ORDINAL_DAY = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)';
const NUMBER = '(?:\\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|other)';
const NTH = '(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)';
const AND = '\\s*(?:,\\s*and|,|and|&)\\s*';
const OF_MONTH = '(?:\\s+of\\s+(?:the|every|each)\\s+month)?';

/** A pattern matched exactly at a position (sticky, case-insensitive, Unicode). */
function pattern(source: string): (text: string, pos: number) => RegExpExecArray | null {
  const regex = new RegExp(source, 'iuy');
  return (text, pos) => {
    regex.lastIndex = pos;
    return regex.exec(text);
  };
}

const CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];
const NTH_WORDS = ['first', 'second', 'third', 'fourth', 'fifth'];
const UNITS: Record<string, string> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };
const BARE: Record<string, { parts: string[]; label: string }> = {
  daily: { parts: ['FREQ=DAILY'], label: 'every day' },
  weekly: { parts: ['FREQ=WEEKLY'], label: 'every week' },
  fortnightly: { parts: ['FREQ=WEEKLY', 'INTERVAL=2'], label: 'every 2 weeks' },
  monthly: { parts: ['FREQ=MONTHLY'], label: 'every month' },
  yearly: { parts: ['FREQ=YEARLY'], label: 'every year' },
  annually: { parts: ['FREQ=YEARLY'], label: 'every year' },
};

const weekdayIndex = (word: string) =>
  SHORT_DAYS.findIndex((d) => word.toLowerCase().startsWith(d.toLowerCase()));
const monthIndex = (word: string) =>
  SHORT_MONTHS.findIndex((m) => word.toLowerCase().startsWith(m.toLowerCase()));
const ordinal = (n: number) => {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10];
  return `${n}${suffix ?? 'th'}`;
};

function numberOf(word: string): number {
  const lower = word.toLowerCase();
  if (lower === 'other') return 2;
  const spelled = NUMBER_WORDS.indexOf(lower);
  return spelled >= 0 ? spelled : Number.parseInt(lower, 10);
}

function nthOf(word: string): number {
  const lower = word.toLowerCase();
  if (lower === 'last') return -1;
  const spelled = NTH_WORDS.indexOf(lower);
  return spelled >= 0 ? spelled + 1 : Number.parseInt(lower, 10);
}

/** The weekdays named in a list, Monday first, each once. */
function weekdaysIn(list: string): number[] {
  const days = [...list.matchAll(new RegExp(WEEKDAY, 'giu'))].map((m) => weekdayIndex(m[0]));
  return [...new Set(days)].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
}

/** The days of the month named in a list ("1st and 15th"), ascending, each once. */
function monthDaysIn(list: string): number[] {
  const days = [...list.matchAll(/\d+/g)].map((m) => Number.parseInt(m[0], 10));
  return [...new Set(days)].sort((a, b) => a - b);
}

/** What a rule body matched: RRULE parts, a label, and where the match ended. */
interface Body {
  parts: string[];
  label: string;
  /** The label's qualifier ("on Mon, Thu"), to follow an interval: "every 2 weeks on Mon, Thu". */
  detail: string;
  end: number;
}

const matched = (parts: string[], label: string, detail: string, m: RegExpExecArray): Body => ({
  parts,
  label,
  detail,
  end: m.index + m[0].length,
});

const weekdaysPattern = pattern(`${WEEKDAY}(?:${AND}${WEEKDAY})*${END}`);
const monthDaysPattern = pattern(
  `(?:the\\s+)?(${ORDINAL_DAY}(?:${AND}(?:the\\s+)?${ORDINAL_DAY})*)${OF_MONTH}${END}`,
);
const nthWeekdayPattern = pattern(`(?:the\\s+)?(${NTH})\\s+(${WEEKDAY})${OF_MONTH}${END}`);
const lastDayPattern = pattern(`(?:the\\s+)?last\\s+day${OF_MONTH}${END}`);
const monthDayPattern = pattern(
  `(${MONTH})\\s+(${ORDINAL_DAY.replace('(?:st|nd|rd|th)', '(?:st|nd|rd|th)?')})${END}`,
);
const dayMonthPattern = pattern(
  `(?:the\\s+)?(${ORDINAL_DAY.replace('(?:st|nd|rd|th)', '(?:st|nd|rd|th)?')})\\s+(?:of\\s+)?(${MONTH})${END}`,
);

function weekdayList(text: string, pos: number): Body | null {
  const m = weekdaysPattern(text, pos);
  if (!m) return null;
  const names = weekdaysIn(m[0])
    .map((d) => SHORT_DAYS[d])
    .join(', ');
  const codes = weekdaysIn(m[0]).map((d) => CODES[d]);
  return matched(['FREQ=WEEKLY', `BYDAY=${codes.join(',')}`], `every ${names}`, `on ${names}`, m);
}

function monthDays(text: string, pos: number): Body | null {
  const m = monthDaysPattern(text, pos);
  if (!m) return null;
  const days = monthDaysIn(m[1] as string);
  const detail = `on the ${days.map(ordinal).join(', ')}`;
  return matched(['FREQ=MONTHLY', `BYMONTHDAY=${days.join(',')}`], `every month ${detail}`, detail, m);
}

function nthWeekday(text: string, pos: number): Body | null {
  const m = nthWeekdayPattern(text, pos);
  if (!m) return null;
  const n = nthOf(m[1] as string);
  const day = weekdayIndex(m[2] as string);
  const which = `${n === -1 ? 'last' : ordinal(n)} ${SHORT_DAYS[day]}`;
  return matched(['FREQ=MONTHLY', `BYDAY=${n}${CODES[day]}`], `every ${which}`, `on the ${which}`, m);
}

function lastDay(text: string, pos: number): Body | null {
  const m = lastDayPattern(text, pos);
  const detail = 'on the last day';
  return m ? matched(['FREQ=MONTHLY', 'BYMONTHDAY=-1'], `every month ${detail}`, detail, m) : null;
}

/** "june 1" or "1st of june": a day every year (29 February included: rrule keeps it to leap years). */
function dayOfYear(text: string, pos: number): Body | null {
  const monthFirst = monthDayPattern(text, pos);
  const m = monthFirst ?? dayMonthPattern(text, pos);
  if (!m) return null;
  const month = monthIndex((monthFirst ? m[1] : m[2]) as string) + 1;
  const day = Number.parseInt((monthFirst ? m[2] : m[1]) as string, 10);
  if (!isRealDate({ year: 2028, month, day })) return null; // 2028 is a leap year
  const detail = `on ${day} ${SHORT_MONTHS[month - 1]}`;
  return matched(['FREQ=YEARLY', `BYMONTH=${month}`, `BYMONTHDAY=${day}`], `every year ${detail}`, detail, m);
}

const onPattern = pattern('\\s+on\\s+');

/** "every week on monday", "every 2 months on the 15th", "every year on june 1". */
function qualified(freq: string, text: string, pos: number): Body | null {
  const on = onPattern(text, pos);
  if (!on) return null;
  const at = on.index + on[0].length;
  if (freq === 'WEEKLY') return weekdayList(text, at);
  if (freq === 'MONTHLY') return lastDay(text, at) ?? nthWeekday(text, at) ?? monthDays(text, at);
  if (freq === 'YEARLY') return dayOfYear(text, at);
  return null;
}

const unitPattern = pattern(`(?:(${NUMBER})\\s+)?(day|week|month|year)s?${END}`);
const weekdaysWordPattern = pattern(`(?:weekday|workday|work\\s+day|business\\s+day)s?${END}`);
const weekendPattern = pattern(`weekends?${END}`);

function interval(text: string, pos: number): Body | null {
  const m = unitPattern(text, pos);
  if (!m) return null;
  const count = m[1] ? numberOf(m[1]) : 1;
  if (!(count >= 1)) return null;
  const unit = (m[2] as string).toLowerCase();
  const freq = UNITS[unit] as string;
  const every = count > 1 ? `every ${count} ${unit}s` : `every ${unit}`;
  const base = matched([`FREQ=${freq}`, ...(count > 1 ? [`INTERVAL=${count}`] : [])], every, '', m);
  const inner = qualified(freq, text, base.end);
  if (!inner) return base;
  const extra = inner.parts.filter((part) => !part.startsWith('FREQ='));
  return {
    parts: [...base.parts, ...extra],
    label: `${every} ${inner.detail}`,
    detail: inner.detail,
    end: inner.end,
  };
}

/** The rule bodies that may follow "every", most specific first. */
const BODIES: Array<(text: string, pos: number) => Body | null> = [
  (text, pos) => {
    const m = weekdaysWordPattern(text, pos);
    return m ? matched(['FREQ=WEEKLY', 'BYDAY=MO,TU,WE,TH,FR'], 'every weekday', '', m) : null;
  },
  (text, pos) => {
    const m = weekendPattern(text, pos);
    return m ? matched(['FREQ=WEEKLY', 'BYDAY=SA,SU'], 'every weekend', '', m) : null;
  },
  interval,
  nthWeekday,
  weekdayList,
  lastDay,
  monthDays,
  dayOfYear,
];

const startPattern =
  /(?<![\p{L}\p{N}])(?:(every|each)(!?)\s+|(daily|weekly|fortnightly|monthly|yearly|annually)(?![\p{L}\p{N}]))/giu;
const completionPattern = pattern(`\\s+after\\s+(?:completion|completing|completed|done)${END}`);
const countPattern = pattern(
  `\\s+(?:for\\s+)?(\\d{1,4}|${NUMBER_WORDS.slice(1).join('|')})\\s+(?:times|occurrences)${END}`,
);
const untilPattern = pattern('\\s+until\\s+');
const timePattern = pattern(`\\s+(at\\s+)?${CLOCK}${END}`);

/** "at 8", "8am", "07:30", "noon" right after the rule; a bare number ("every day 5 times") is no time. */
function timeAfter(masked: string, pos: number): { time: TimeOfDay; end: number } | null {
  const m = timePattern(masked, pos);
  if (!m || !(m[1] || m[3] || m[4] || m[5])) return null;
  const time = clockTime([m[2], m[3], m[4], m[5]]);
  return time ? { time, end: m.index + m[0].length } : null;
}

/** UNTIL as UTC: the end of the named local day, so occurrences on that day still happen. */
function untilPart(date: LocalDate, timezone: string): string {
  const end = instantAt({ ...date, hour: 23, minute: 59, second: 59 }, timezone);
  return `UNTIL=${end
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
}

/** "until june 30": chrono reads the date, which must start right after "until" and name a day. */
function until(masked: string, pos: number, ctx: ZoneContext): { date: LocalDate; end: number } | null {
  const m = untilPattern(masked, pos);
  if (!m) return null;
  const from = m.index + m[0].length;
  const [result] = chrono.parse(masked.slice(from, from + 60), chronoReference(ctx), { forwardDate: true });
  if (result?.index !== 0 || !result.start.isCertain('day')) return null;
  const date = {
    year: result.start.get('year') ?? 0,
    month: result.start.get('month') ?? 0,
    day: result.start.get('day') ?? 0,
  };
  if (!isRealDate(date)) return null;
  return { date, end: from + result.text.length };
}

/**
 * Every recurrence phrase in `masked`: "every …" with its rule body, then optionally "after
 * completion" and "until <date>" or "for N times" in either order. Returned in text order;
 * the parser uses the last.
 */
export function findRecurrences(masked: string, ctx: ZoneContext): RecurrencePhrase[] {
  const found: RecurrencePhrase[] = [];
  for (const start of masked.matchAll(startPattern)) {
    let bodyMatch: Body | null = null;
    const bare = start[3]?.toLowerCase();
    if (bare) {
      const known = BARE[bare] as { parts: string[]; label: string };
      bodyMatch = { ...known, detail: '', end: start.index + start[0].length };
    } else {
      const pos = start.index + start[0].length;
      for (const parse of BODIES) {
        bodyMatch = parse(masked, pos);
        if (bodyMatch) break;
      }
    }
    if (!bodyMatch) continue;
    let { end, label } = bodyMatch;
    const parts = [...bodyMatch.parts];
    let from: 'due' | 'completion' = start[2] === '!' ? 'completion' : 'due';
    let time: TimeOfDay | null = null;
    let limit = '';
    // The suffixes may come in any order, each once: a time, "after completion", a limit.
    for (let round = 0; round < 3; round += 1) {
      const clock: { time: TimeOfDay; end: number } | null = time ? null : timeAfter(masked, end);
      if (clock) {
        time = clock.time;
        end = clock.end;
        continue;
      }
      const completion = from === 'due' ? completionPattern(masked, end) : null;
      if (completion) {
        from = 'completion';
        end = completion.index + completion[0].length;
        continue;
      }
      if (limit) break;
      const count = countPattern(masked, end);
      const times = count ? numberOf(count[1] as string) : 0;
      if (count && times >= 1) {
        parts.push(`COUNT=${times}`);
        limit = ` · ${times} times`;
        end = count.index + count[0].length;
        continue;
      }
      const last = until(masked, end, ctx);
      if (!last) break;
      parts.push(untilPart(last.date, ctx.timezone));
      limit = ` until ${last.date.day} ${SHORT_MONTHS[last.date.month - 1]} ${last.date.year}`;
      end = last.end;
    }
    if (time) label += ` at ${formatClock(time)}`;
    if (from === 'completion') label += ' after completion';
    label += limit;
    let rule: string;
    try {
      rule = normalizeRule(parts.join(';'));
    } catch {
      continue; // a combination core refuses stays in the title
    }
    found.push({ start: start.index, end, rule, from, time, label });
  }
  return found;
}

/**
 * The first day matching `rule` at or after `start`, at `start`'s wall-clock time. INTERVAL is left
 * out for this one question: rrule counts intervals from DTSTART's week, so "every other week on
 * tuesday" typed on a Wednesday would skip the coming Tuesday. The series is then anchored there.
 */
export function firstOccurrence(rule: string, start: Date, timezone: string): Date | null {
  const withoutInterval = rule.replace(/;INTERVAL=\d+/i, '');
  return schedule({ rule: withoutInterval, dtstart: start, timezone }).first(1)[0] ?? null;
}
