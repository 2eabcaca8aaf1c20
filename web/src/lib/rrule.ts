// The recurrence editor's fields <-> RRULE text. Only the shape of what the editor offers: the
// server validates the rule and computes every occurrence.

export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
export const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof weekdays)[number];
export const weekdayNames: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};

export interface RecurrenceFields {
  freq: Freq;
  interval: number;
  /** WEEKLY: on these days. */
  byDay: Weekday[];
  /** MONTHLY: on a day of the month, or on the nth weekday (-1 = last). */
  monthly: 'day' | 'nth';
  monthDay: number;
  nth: number;
  nthDay: Weekday;
  end: 'never' | 'count' | 'until';
  count: number;
  /** YYYY-MM-DD, inclusive. */
  until: string;
}

/** Fields describing "every week on the due date's weekday" etc., anchored at a due date. */
export function defaultFields(due: Date | null, freq: Freq = 'WEEKLY'): RecurrenceFields {
  const date = due ?? new Date();
  const day = weekdays[(date.getDay() + 6) % 7]!;
  const nth = Math.ceil(date.getDate() / 7);
  return {
    freq,
    interval: 1,
    byDay: [day],
    monthly: 'day',
    monthDay: date.getDate(),
    nth: nth > 4 ? -1 : nth,
    nthDay: day,
    end: 'never',
    count: 10,
    until: '',
  };
}

export function buildRule(f: RecurrenceFields): string {
  const parts = [`FREQ=${f.freq}`];
  if (f.interval > 1) parts.push(`INTERVAL=${f.interval}`);
  if (f.freq === 'WEEKLY' && f.byDay.length > 0) {
    parts.push(`BYDAY=${weekdays.filter((d) => f.byDay.includes(d)).join(',')}`);
  }
  if (f.freq === 'MONTHLY') {
    parts.push(f.monthly === 'day' ? `BYMONTHDAY=${f.monthDay}` : `BYDAY=${f.nth}${f.nthDay}`);
  }
  if (f.end === 'count') parts.push(`COUNT=${f.count}`);
  if (f.end === 'until' && f.until) parts.push(`UNTIL=${f.until.replace(/-/g, '')}T235959Z`);
  return `RRULE:${parts.join(';')}`;
}

/** The editor's fields for a rule, or null when the rule uses parts the editor does not offer. */
export function parseRule(rule: string, due: Date | null): RecurrenceFields | null {
  const body = rule.replace(/^RRULE:/i, '');
  const parts = new Map(
    body.split(';').map((part) => {
      const [key, value] = part.split('=');
      return [key!.toUpperCase(), value ?? ''] as const;
    }),
  );
  const freq = parts.get('FREQ') as Freq | undefined;
  if (!freq || !['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) return null;
  const fields = defaultFields(due, freq);
  for (const [key, value] of parts) {
    if (key === 'FREQ' || key === 'WKST') continue;
    if (key === 'INTERVAL') fields.interval = Number(value) || 1;
    else if (key === 'COUNT') {
      fields.end = 'count';
      fields.count = Number(value) || 1;
    } else if (key === 'UNTIL') {
      fields.end = 'until';
      fields.until = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
    } else if (key === 'BYMONTHDAY' && freq === 'MONTHLY' && /^\d+$/.test(value)) {
      fields.monthly = 'day';
      fields.monthDay = Number(value);
    } else if (
      key === 'BYDAY' &&
      freq === 'WEEKLY' &&
      value.split(',').every((d) => weekdays.includes(d as Weekday))
    ) {
      fields.byDay = value.split(',') as Weekday[];
    } else if (key === 'BYDAY' && freq === 'MONTHLY' && /^[+-]?\d(MO|TU|WE|TH|FR|SA|SU)$/.test(value)) {
      fields.monthly = 'nth';
      fields.nth = Number(value.slice(0, -2));
      fields.nthDay = value.slice(-2) as Weekday;
    } else return null;
  }
  return fields;
}

const ordinal = (n: number) =>
  n === -1 ? 'last' : (['first', 'second', 'third', 'fourth'][n - 1] ?? `${n}th`);
const dayOfMonth = (n: number) => {
  const suffix =
    n % 10 === 1 && n !== 11
      ? 'st'
      : n % 10 === 2 && n !== 12
        ? 'nd'
        : n % 10 === 3 && n !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
};
const unit: Record<Freq, string> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** "Every 2 weeks on Monday and Thursday, 5 times" — what the editor's fields mean, in words. */
export function summarize(f: RecurrenceFields, from: 'due' | 'completion', due: Date | null): string {
  const every = f.interval > 1 ? `Every ${f.interval} ${unit[f.freq]}s` : `Every ${unit[f.freq]}`;
  let text = every;
  if (f.freq === 'WEEKLY') {
    const days = weekdays.filter((d) => f.byDay.includes(d));
    if (days.length === 5 && !days.includes('SA') && !days.includes('SU') && f.interval === 1)
      text = 'Every weekday';
    else if (days.length > 0) text += ` on ${list(days.map((d) => weekdayNames[d]))}`;
  }
  if (f.freq === 'MONTHLY') {
    text +=
      f.monthly === 'day'
        ? ` on the ${dayOfMonth(f.monthDay)}`
        : ` on the ${ordinal(f.nth)} ${weekdayNames[f.nthDay]}`;
  }
  if (f.freq === 'YEARLY' && due) {
    text += ` on ${due.toLocaleDateString(undefined, { day: 'numeric', month: 'long' })}`;
  }
  if (due) text += ` at ${due.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
  if (f.end === 'count') text += `, ${f.count} ${f.count === 1 ? 'time' : 'times'}`;
  if (f.end === 'until' && f.until) {
    text += `, until ${new Date(`${f.until}T12:00:00`).toLocaleDateString(undefined, { dateStyle: 'medium' })}`;
  }
  if (from === 'completion') text += ' — counted from each completion';
  return text;
}
