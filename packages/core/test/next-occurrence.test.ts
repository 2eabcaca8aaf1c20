import { describe, expect, it } from 'vitest';
import { type CompletedOccurrence, nextOccurrence } from '../src/recurrence/next-occurrence.ts';

const d = (iso: string) => new Date(iso);
const next = (c: Partial<CompletedOccurrence> & Pick<CompletedOccurrence, 'dueAt' | 'completedAt'>) =>
  nextOccurrence({
    rule: 'RRULE:FREQ=DAILY',
    from: 'due',
    timezone: 'UTC',
    seriesAnchorAt: c.dueAt,
    seriesIndex: 1,
    ...c,
  })?.toISOString() ?? null;

describe('next occurrence, from: due', () => {
  it('moves a daily task finished on time to the next day at the same time', () => {
    expect(next({ dueAt: d('2026-11-22T09:00:00Z'), completedAt: d('2026-11-22T08:30:00Z') })).toBe(
      '2026-11-23T09:00:00.000Z',
    );
  });

  it('finishing early moves to the following slot, not the one just finished', () => {
    // Weekly on Mondays; the Monday 23 Nov occurrence finished on Saturday 21 Nov.
    expect(
      next({
        rule: 'RRULE:FREQ=WEEKLY;BYDAY=MO',
        seriesAnchorAt: d('2026-11-16T09:00:00Z'),
        dueAt: d('2026-11-23T09:00:00Z'),
        completedAt: d('2026-11-21T12:00:00Z'),
      }),
    ).toBe('2026-11-30T09:00:00.000Z');
  });

  it('finishing late skips the missed slots instead of piling up overdue copies', () => {
    expect(
      next({
        seriesAnchorAt: d('2026-11-01T09:00:00Z'),
        dueAt: d('2026-11-10T09:00:00Z'),
        completedAt: d('2026-11-14T15:00:00Z'),
      }),
    ).toBe('2026-11-15T09:00:00.000Z');
  });

  it('stays anchored at the series start, not at the completed due date', () => {
    // Every 2 days from 1 Nov: 1, 3, 5 … A task due 5 Nov moved by hand to 6 Nov rolls to 7 Nov.
    expect(
      next({
        rule: 'RRULE:FREQ=DAILY;INTERVAL=2',
        seriesAnchorAt: d('2026-11-01T09:00:00Z'),
        dueAt: d('2026-11-06T09:00:00Z'),
        completedAt: d('2026-11-06T10:00:00Z'),
      }),
    ).toBe('2026-11-07T09:00:00.000Z');
  });

  it('ends a COUNT series after its last occurrence', () => {
    const base = { rule: 'RRULE:FREQ=DAILY;COUNT=3', seriesAnchorAt: d('2026-11-01T09:00:00Z') };
    expect(next({ ...base, dueAt: d('2026-11-02T09:00:00Z'), completedAt: d('2026-11-02T09:30:00Z') })).toBe(
      '2026-11-03T09:00:00.000Z',
    );
    expect(
      next({ ...base, dueAt: d('2026-11-03T09:00:00Z'), completedAt: d('2026-11-03T09:30:00Z') }),
    ).toBeNull();
  });

  it('ends an UNTIL series after its last occurrence', () => {
    const base = {
      rule: 'RRULE:FREQ=DAILY;UNTIL=20261103T235959Z',
      seriesAnchorAt: d('2026-11-01T09:00:00Z'),
    };
    expect(next({ ...base, dueAt: d('2026-11-02T09:00:00Z'), completedAt: d('2026-11-02T09:30:00Z') })).toBe(
      '2026-11-03T09:00:00.000Z',
    );
    expect(
      next({ ...base, dueAt: d('2026-11-03T09:00:00Z'), completedAt: d('2026-11-03T09:30:00Z') }),
    ).toBeNull();
  });
});

describe('next occurrence, from: completion', () => {
  it('restarts "every 3 days" on the day it was finished, at the task’s time of day', () => {
    expect(
      next({
        rule: 'RRULE:FREQ=DAILY;INTERVAL=3',
        from: 'completion',
        dueAt: d('2026-11-10T09:00:00Z'),
        completedAt: d('2026-11-14T18:45:00Z'),
      }),
    ).toBe('2026-11-17T09:00:00.000Z');
  });

  it('finishing early counts from the day it was finished', () => {
    expect(
      next({
        rule: 'RRULE:FREQ=WEEKLY',
        from: 'completion',
        dueAt: d('2026-11-20T09:00:00Z'),
        completedAt: d('2026-11-16T07:00:00Z'),
      }),
    ).toBe('2026-11-23T09:00:00.000Z');
  });

  it('uses the completion’s local date in the task’s zone', () => {
    // 23:30 UTC on 14 Nov is already 15 Nov in Sydney (UTC+11).
    expect(
      next({
        rule: 'RRULE:FREQ=DAILY;INTERVAL=2',
        from: 'completion',
        timezone: 'Australia/Sydney',
        dueAt: d('2026-11-10T22:00:00Z'), // 09:00 Sydney on 11 Nov
        completedAt: d('2026-11-14T23:30:00Z'),
      }),
    ).toBe('2026-11-16T22:00:00.000Z'); // 09:00 Sydney on 17 Nov
  });

  it('ends a COUNT series by the task’s position in it', () => {
    const base = {
      rule: 'RRULE:FREQ=DAILY;COUNT=3',
      from: 'completion' as const,
      dueAt: d('2026-11-10T09:00:00Z'),
      completedAt: d('2026-11-10T10:00:00Z'),
    };
    expect(next({ ...base, seriesIndex: 2 })).toBe('2026-11-11T09:00:00.000Z');
    expect(next({ ...base, seriesIndex: 3 })).toBeNull();
  });

  it('ends an UNTIL series once the restarted rule passes UNTIL', () => {
    const base = {
      rule: 'RRULE:FREQ=DAILY;INTERVAL=3;UNTIL=20261115T000000Z',
      from: 'completion' as const,
      dueAt: d('2026-11-10T09:00:00Z'),
    };
    expect(next({ ...base, completedAt: d('2026-11-11T10:00:00Z') })).toBe('2026-11-14T09:00:00.000Z');
    expect(next({ ...base, completedAt: d('2026-11-13T10:00:00Z') })).toBeNull();
  });
});

describe('next occurrence across DST', () => {
  it.each([
    // Berlin leaves summer time on 25 Oct 2026: 09:00 CEST (07:00Z) → 09:00 CET (08:00Z).
    ['Europe/Berlin', '2026-10-24T07:00:00Z', '2026-10-25T08:00:00Z'],
    // Berlin enters summer time on 29 Mar 2026: 09:00 CET (08:00Z) → 09:00 CEST (07:00Z).
    ['Europe/Berlin', '2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z'],
    // New York leaves daylight time on 1 Nov 2026: 09:00 EDT (13:00Z) → 09:00 EST (14:00Z).
    ['America/New_York', '2026-10-31T13:00:00Z', '2026-11-01T14:00:00Z'],
    // New York enters daylight time on 8 Mar 2026: 09:00 EST (14:00Z) → 09:00 EDT (13:00Z).
    ['America/New_York', '2026-03-07T14:00:00Z', '2026-03-08T13:00:00Z'],
    // Sydney enters daylight time on 4 Oct 2026: 09:00 AEST (23:00Z prev day) → 09:00 AEDT (22:00Z).
    ['Australia/Sydney', '2026-10-02T23:00:00Z', '2026-10-03T22:00:00Z'],
    // Sydney leaves daylight time on 5 Apr 2026: 09:00 AEDT (22:00Z) → 09:00 AEST (23:00Z).
    ['Australia/Sydney', '2026-04-03T22:00:00Z', '2026-04-04T23:00:00Z'],
  ])('a daily 09:00 task in %s stays at 09:00 local (%s → %s)', (timezone, due, expected) => {
    for (const from of ['due', 'completion'] as const) {
      expect(
        next({ timezone, from, dueAt: d(due), completedAt: new Date(d(due).getTime() + 3_600_000) }),
      ).toBe(new Date(expected).toISOString());
    }
  });

  it('a weekly task crossing the Berlin autumn change keeps its wall-clock time', () => {
    expect(
      next({
        rule: 'RRULE:FREQ=WEEKLY',
        timezone: 'Europe/Berlin',
        seriesAnchorAt: d('2026-10-05T16:30:00Z'), // Monday 18:30 CEST
        dueAt: d('2026-10-19T16:30:00Z'),
        completedAt: d('2026-10-19T17:00:00Z'),
      }),
    ).toBe('2026-10-26T17:30:00.000Z'); // Monday 18:30 CET
  });
});
