import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../src/sidecar/duration.ts';
import { retryDelays } from '../src/sidecar/retry-policy.ts';
import { parseSchedule } from '../src/sidecar/schedule.ts';

const at = (iso: string) => new Date(iso);
const nextIso = (spec: string, from: string) => parseSchedule(spec).next(at(from)).toISOString();

describe('cron schedules', () => {
  it('runs @every <duration> at that period from the previous firing', () => {
    expect(nextIso('@every 30s', '2026-11-22T10:00:00.250Z')).toBe('2026-11-22T10:00:30.250Z');
    expect(nextIso('@every 1m30s', '2026-11-22T10:00:00Z')).toBe('2026-11-22T10:01:30.000Z');
    expect(nextIso('@every 500ms', '2026-11-22T10:00:00Z')).toBe('2026-11-22T10:00:00.500Z');
    expect(nextIso('@hourly', '2026-11-22T10:15:00Z')).toBe('2026-11-22T11:15:00.000Z');
  });

  it('evaluates six-field cron (seconds first) and five-field cron in UTC', () => {
    expect(nextIso('30 * * * * *', '2026-11-22T10:00:40Z')).toBe('2026-11-22T10:01:30.000Z');
    expect(nextIso('*/15 * * * * *', '2026-11-22T10:00:16Z')).toBe('2026-11-22T10:00:30.000Z');
    expect(nextIso('0 30 3-6,20-23 * * *', '2026-11-22T06:31:00Z')).toBe('2026-11-22T20:30:00.000Z');
    expect(nextIso('0 9 * * 1', '2026-11-22T10:00:00Z')).toBe('2026-11-23T09:00:00.000Z'); // next Monday
    expect(nextIso('0 0 1 1 *', '2026-11-22T10:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('matches day of month OR day of week when both are restricted, like robfig/cron', () => {
    // 2026-11-22 is a Sunday: "the 25th or any Sunday" fires the same day at 12:00.
    expect(nextIso('0 12 25 * 0', '2026-11-22T10:00:00Z')).toBe('2026-11-22T12:00:00.000Z');
    expect(nextIso('0 12 25 * 7', '2026-11-22T13:00:00Z')).toBe('2026-11-25T12:00:00.000Z');
  });

  it('rejects what it cannot run, with the reason', () => {
    expect(() => parseSchedule('@every soon')).toThrow(/"soon" is not a positive duration/);
    expect(() => parseSchedule('@weekly')).toThrow(/supports @every/);
    expect(() => parseSchedule('CRON_TZ=Europe/Berlin 0 30 4 * * *')).toThrow(/UTC cron/);
    expect(() => parseSchedule('* * *')).toThrow(/expected 5 or 6 cron fields/);
    expect(() => parseSchedule('61 * * * * *')).toThrow(/invalid second "61"/);
    expect(() => parseSchedule('0 0 30 2 *').next(at('2026-01-01T00:00:00Z'))).toThrow(/never fires/);
  });
});

describe('Go durations', () => {
  it('reads the forms Dapr YAML uses and refuses others', () => {
    expect(parseGoDuration('200ms')).toBe(200);
    expect(parseGoDuration('1h2m3s')).toBe(3_723_000);
    expect(parseGoDuration('1.5s')).toBe(1_500);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('5 s')).toBeUndefined();
    expect(parseGoDuration('PT5S')).toBeUndefined();
  });
});

describe('retry delays', () => {
  it('grows exponentially by 1.5 with jitter, capped at maxInterval, for maxRetries retries', () => {
    const settings = { policy: 'exponential' as const, durationMs: 500, maxIntervalMs: 2_000, maxRetries: 6 };
    const mid = retryDelays(settings, () => 0.5); // jitter factor exactly 1
    expect(Array.from({ length: 7 }, mid)).toEqual([500, 750, 1125, 1687.5, 2000, 2000, undefined]);
    const low = retryDelays(settings, () => 0);
    expect(low()).toBe(250);
    const high = retryDelays(settings, () => 0.999);
    expect(high()).toBeCloseTo(749.5);
  });

  it('waits the same for a constant policy, retries forever at -1, and never without a policy', () => {
    const constant = retryDelays({
      policy: 'constant',
      durationMs: 5_000,
      maxIntervalMs: 60_000,
      maxRetries: 2,
    });
    expect([constant(), constant(), constant()]).toEqual([5_000, 5_000, undefined]);
    const forever = retryDelays({ policy: 'constant', durationMs: 1, maxIntervalMs: 1, maxRetries: -1 });
    for (let i = 0; i < 1_000; i += 1) expect(forever()).toBe(1);
    expect(retryDelays(undefined)()).toBeUndefined();
  });
});
