import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTaskSchema,
  normalizeRule,
  parseQuickAdd,
  type QuickAddDraft,
  type QuickAddToken,
  schedule,
} from '../src/index.ts';
import table from './quick-add-vectors.json' with { type: 'json' };

interface Vector {
  text: string;
  timezone: string;
  now: string;
  draft: QuickAddDraft;
  tokens?: QuickAddToken[];
}

const vectors = table.vectors as Vector[];
const parse = (v: Pick<Vector, 'text' | 'timezone' | 'now'>) =>
  parseQuickAdd(v.text, { timezone: v.timezone, now: new Date(v.now) });

/** Checks every vector: the draft, the tokens where given, and that core accepts what the parser made. */
function runTable() {
  it.each(vectors.map((v) => [`${v.text} (${v.timezone}, ${v.now})`, v] as const))('%s', (_, vector) => {
    const { draft, tokens } = parse(vector);
    expect(draft).toEqual(vector.draft);
    if (vector.tokens) expect(tokens).toEqual(vector.tokens);
    expect(createTaskSchema.safeParse(draft).success).toBe(true);
    if (draft.recurrence && draft.due_at) {
      expect(normalizeRule(draft.recurrence.rule)).toBe(draft.recurrence.rule);
      // The due date is the series' first occurrence: the rule anchored there yields it first.
      const dtstart = new Date(draft.due_at);
      const [first] = schedule({ rule: draft.recurrence.rule, dtstart, timezone: draft.timezone }).first(1);
      expect(first?.toISOString()).toBe(dtstart.toISOString());
    }
  });
}

describe('quick-add vectors', () => {
  it('has at least 120 vectors across zones in both hemispheres', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(120);
    const zones = new Set(vectors.map((v) => v.timezone));
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'America/Sao_Paulo', 'UTC'])
      expect(zones).toContain(zone);
  });
  runTable();
});

describe('quick-add vectors on a machine in another zone', () => {
  // chrono reads wall-clock fields in the machine's zone; results must not depend on it.
  const saved = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'America/St_Johns';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  it('runs in a zone that is not UTC', () => {
    expect(new Date('2027-01-15T12:00:00Z').getTimezoneOffset()).toBe(210);
  });
  runTable();
});

describe('recurrence phrases', () => {
  const at = (text: string, now: string, timezone = 'Europe/Berlin', count = 4) => {
    const { draft } = parseQuickAdd(text, { timezone, now: new Date(now) });
    if (!draft.recurrence || !draft.due_at) throw new Error(`no recurrence in ${text}`);
    return schedule({ rule: draft.recurrence.rule, dtstart: new Date(draft.due_at), timezone })
      .first(count)
      .map((d) => d.toISOString());
  };

  it('every monday and thursday alternates the two days at 09:00 local', () => {
    expect(at('Gym every monday and thursday', '2027-03-10T14:00:00Z')).toEqual([
      '2027-03-11T08:00:00.000Z',
      '2027-03-15T08:00:00.000Z',
      '2027-03-18T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
    ]);
  });

  it('every last friday lands on the last Friday of each month, across the DST change', () => {
    expect(at('Retro every last friday 4pm', '2027-03-10T14:00:00Z')).toEqual([
      '2027-03-26T15:00:00.000Z',
      '2027-04-30T14:00:00.000Z',
      '2027-05-28T14:00:00.000Z',
      '2027-06-25T14:00:00.000Z',
    ]);
  });

  it('every other week on tuesday starts on the coming Tuesday, then every second one', () => {
    expect(at('Newsletter every other week on tuesday', '2027-03-10T14:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2027-03-16T08:00:00.000Z',
      '2027-03-30T07:00:00.000Z',
      '2027-04-13T07:00:00.000Z',
    ]);
  });

  it('until ends the series on the named local day, and for N times after N', () => {
    expect(at('Meds every day at 8pm until march 12', '2027-03-10T14:00:00Z', 'Europe/Berlin', 10)).toEqual([
      '2027-03-10T19:00:00.000Z',
      '2027-03-11T19:00:00.000Z',
      '2027-03-12T19:00:00.000Z',
    ]);
    expect(at('Physio every monday for 2 times', '2027-03-10T14:00:00Z', 'Europe/Berlin', 10)).toHaveLength(
      2,
    );
  });

  it('every year on feb 29 happens only in leap years', () => {
    expect(at('Leap day every year on feb 29', '2028-03-01T12:00:00Z', 'UTC', 2)).toEqual([
      '2032-02-29T09:00:00.000Z',
      '2036-02-29T09:00:00.000Z',
    ]);
  });
});

describe('parseQuickAdd on any input', () => {
  const words = fc.constantFrom(
    'every',
    'day',
    'monday',
    'and',
    'tomorrow',
    'at',
    '5pm',
    '2:30am',
    'p1',
    'p4',
    '#home',
    '#',
    '"',
    '“',
    'remind',
    'me',
    '1',
    'hour',
    'before',
    'until',
    'for',
    '3',
    'times',
    'after',
    'completion',
    'in',
    'weeks',
    'last',
    'friday',
    'on',
    'the',
    '15th',
    'june',
    'feb',
    '29',
    'next',
    'noon',
    'daily',
    '!',
    '\u0000',
    '\n',
  );
  const phrases = fc.array(words, { maxLength: 60 }).map((list) => list.join(' '));
  const inputs = fc.oneof(fc.string({ maxLength: 1000, unit: 'binary' }), phrases);
  const zones = fc.constantFrom(
    'UTC',
    'Europe/Berlin',
    'Australia/Sydney',
    'America/Sao_Paulo',
    'Asia/Kathmandu',
  );
  const instants = fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true });

  it('never throws, and the draft validates whenever the text has something to title', () => {
    fc.assert(
      fc.property(inputs, zones, instants, (text, timezone, now) => {
        const { draft, tokens } = parseQuickAdd(text, { timezone, now });
        const hasTitle = text.replaceAll('\u0000', '').trim() !== '';
        expect(createTaskSchema.safeParse(draft).success).toBe(hasTitle);
        for (const token of tokens) {
          expect(token.start).toBeGreaterThanOrEqual(0);
          expect(token.end).toBeLessThanOrEqual(text.length);
          expect(token.start).toBeLessThan(token.end);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps a long title within 500 characters and drops U+0000', () => {
    expect(parseQuickAdd('x'.repeat(1000), { timezone: 'UTC', now: new Date() }).draft.title).toHaveLength(
      500,
    );
    expect(parseQuickAdd('a\u0000b tomorrow', { timezone: 'UTC', now: new Date() }).draft.title).toBe('ab');
    expect(parseQuickAdd('   ', { timezone: 'UTC', now: new Date() }).draft.title).toBe('');
  });

  it('refuses an unknown zone as a validation error on timezone', () => {
    expect(() => parseQuickAdd('x', { timezone: 'Mars/Olympus', now: new Date() })).toThrowError(/timezone/);
  });

  it('parses a typical line in well under 5 ms of CPU', () => {
    const lines = vectors.map((v) => v.text);
    const now = new Date('2027-03-10T14:00:00Z');
    for (const line of lines) parseQuickAdd(line, { timezone: 'Europe/Berlin', now }); // warm up
    // CPU time, not wall time: the test machine is shared, and another process's load is no signal.
    const started = process.cpuUsage();
    const rounds = 5;
    for (let round = 0; round < rounds; round += 1)
      for (const line of lines) parseQuickAdd(line, { timezone: 'Europe/Berlin', now });
    const used = process.cpuUsage(started);
    const perCall = (used.user + used.system) / 1000 / (rounds * lines.length);
    console.info(`parseQuickAdd: ${perCall.toFixed(3)} ms CPU per call over ${rounds * lines.length} calls`);
    expect(perCall).toBeLessThan(5);
  });
});
