import { describe, expect, it } from 'vitest';
import { AppError, normalizeRule, schedule } from '../src/index.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('normalizeRule', () => {
  it('expands shorthands and adds the RRULE: prefix', () => {
    expect(normalizeRule('daily')).toBe('RRULE:FREQ=DAILY');
    expect(normalizeRule('Weekly')).toBe('RRULE:FREQ=WEEKLY');
    expect(normalizeRule('FREQ=MONTHLY;INTERVAL=2')).toBe('RRULE:FREQ=MONTHLY;INTERVAL=2');
    expect(normalizeRule('RRULE:FREQ=WEEKLY;BYDAY=MO,WE')).toBe('RRULE:FREQ=WEEKLY;BYDAY=MO,WE');
  });

  it.each([
    ['FREQ=MINUTELY', /finer than HOURLY/],
    ['FREQ=SECONDLY', /finer than HOURLY/],
    ['INTERVAL=2', /FREQ is required/],
    ['banana', /must be an RRULE/],
    ['FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z', /COUNT and UNTIL/],
    ['DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY', /RRULE|DTSTART/],
    ['FREQ=DAILY;TZID=Europe/Berlin', /DTSTART and TZID/],
  ])('rejects %s', (rule, message) => {
    expect(() => normalizeRule(rule)).toThrowError(message);
    try {
      normalizeRule(rule);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).details[0]?.path).toBe('recurrence.rule');
    }
  });
});

describe('schedule', () => {
  it('keeps 09:00 Europe/Berlin across the March and October DST changes', () => {
    const start = new Date('2026-03-27T08:00:00Z'); // Fri 09:00 CET
    expect(iso(schedule({ rule: 'daily', dtstart: start, timezone: 'Europe/Berlin' }).first(4))).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z', // CEST from here on
      '2026-03-30T07:00:00.000Z',
    ]);
    const autumn = new Date('2026-10-24T07:00:00Z'); // Sat 09:00 CEST
    expect(iso(schedule({ rule: 'daily', dtstart: autumn, timezone: 'Europe/Berlin' }).first(3))).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('keeps 08:30 in Australia/Sydney when DST starts in October (southern hemisphere)', () => {
    const start = new Date('2026-10-02T22:30:00Z'); // Sat 3 Oct 08:30 AEST (+10)
    expect(iso(schedule({ rule: 'daily', dtstart: start, timezone: 'Australia/Sydney' }).first(3))).toEqual([
      '2026-10-02T22:30:00.000Z',
      '2026-10-03T21:30:00.000Z', // Sun 4 Oct: DST began at 02:00, so 08:30 is AEDT (+11)
      '2026-10-04T21:30:00.000Z',
    ]);
  });

  it('moves a time that does not exist forward by the gap (America/New_York, 02:30 on spring-forward)', () => {
    const start = new Date('2027-03-13T07:30:00Z'); // Sat 13 Mar 2027 02:30 EST
    expect(iso(schedule({ rule: 'daily', dtstart: start, timezone: 'America/New_York' }).first(3))).toEqual([
      '2027-03-13T07:30:00.000Z',
      '2027-03-14T07:30:00.000Z', // 03:30 EDT: 02:30 does not exist that day
      '2027-03-15T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('takes the earlier instant of a time that happens twice (Europe/Berlin, 02:30 on fall-back)', () => {
    const start = new Date('2027-10-30T00:30:00Z'); // Sat 30 Oct 2027 02:30 CEST
    expect(iso(schedule({ rule: 'daily', dtstart: start, timezone: 'Europe/Berlin' }).first(3))).toEqual([
      '2027-10-30T00:30:00.000Z',
      '2027-10-31T00:30:00.000Z', // 02:30 CEST, the first of the two 02:30s
      '2027-11-01T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('ends with COUNT and with UNTIL', () => {
    const start = new Date('2026-01-01T09:00:00Z');
    expect(schedule({ rule: 'FREQ=DAILY;COUNT=3', dtstart: start, timezone: 'UTC' }).first(10)).toHaveLength(
      3,
    );
    const until = schedule({ rule: 'FREQ=DAILY;UNTIL=20260103T090000Z', dtstart: start, timezone: 'UTC' });
    expect(iso(until.first(10))).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-03T09:00:00.000Z',
    ]);
    expect(until.after(new Date('2026-01-03T09:00:00Z'))).toBeNull();
  });

  it('reads a UTC UNTIL as an instant in a named zone', () => {
    // 09:00 Berlin = 08:00Z; UNTIL at 07:59Z on the 3rd excludes the 3rd's occurrence.
    const s = schedule({
      rule: 'FREQ=DAILY;UNTIL=20260103T075900Z',
      dtstart: new Date('2026-01-01T08:00:00Z'),
      timezone: 'Europe/Berlin',
    });
    expect(s.first(10)).toHaveLength(2);
  });

  it('after() returns the first occurrence strictly after an instant', () => {
    const s = schedule({
      rule: 'FREQ=WEEKLY;BYDAY=MO,TH',
      dtstart: new Date('2026-11-02T09:00:00Z'),
      timezone: 'UTC',
    });
    expect(s.after(new Date('2026-11-02T09:00:00Z'))?.toISOString()).toBe('2026-11-05T09:00:00.000Z');
    expect(s.after(new Date('2026-11-04T00:00:00Z'))?.toISOString()).toBe('2026-11-05T09:00:00.000Z');
  });

  it('keeps the anchor’s milliseconds on every occurrence', () => {
    const s = schedule({
      rule: 'daily',
      dtstart: new Date('2026-11-22T02:21:55.701Z'),
      timezone: 'Europe/Berlin',
    });
    expect(s.after(new Date('2026-11-22T02:21:55.701Z'))?.toISOString()).toBe('2026-11-23T02:21:55.701Z');
    expect(s.after(new Date('2026-11-23T02:21:55.300Z'))?.toISOString()).toBe('2026-11-23T02:21:55.701Z');
    expect(iso(s.first(2))).toEqual(['2026-11-22T02:21:55.701Z', '2026-11-23T02:21:55.701Z']);
  });
});
