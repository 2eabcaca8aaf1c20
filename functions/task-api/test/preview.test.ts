import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, startApi } from './harness.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const preview = (json: unknown) => api.call('POST', '/api/recurrence/preview', { as: 'alice', json });

describe('POST /api/recurrence/preview', () => {
  it('keeps 09:00 Europe/Berlin across the end of summer time', async () => {
    const res = await preview({
      rule: 'daily',
      dtstart: '2026-10-24T07:00:00Z',
      timezone: 'Europe/Berlin',
      count: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      occurrences: ['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    });
  });

  it('keeps Monday 08:00 America/New_York across the March 2027 change', async () => {
    const res = await preview({
      rule: 'RRULE:FREQ=WEEKLY;BYDAY=MO',
      dtstart: '2027-03-08T13:00:00Z', // Mon 08:00 EST
      timezone: 'America/New_York',
      count: 2,
    });
    expect(res.body.occurrences).toEqual(['2027-03-08T13:00:00.000Z', '2027-03-15T12:00:00.000Z']); // then EDT
  });

  it('keeps 08:30 Australia/Sydney when daylight saving starts in October', async () => {
    const res = await preview({
      rule: 'FREQ=DAILY',
      dtstart: '2026-10-02T22:30:00Z',
      timezone: 'Australia/Sydney',
      count: 3,
    });
    expect(res.body.occurrences).toEqual([
      '2026-10-02T22:30:00.000Z',
      '2026-10-03T21:30:00.000Z',
      '2026-10-04T21:30:00.000Z',
    ]);
  });

  it('returns fewer occurrences when the rule ends first, and defaults the zone to UTC', async () => {
    const res = await preview({ rule: 'FREQ=MONTHLY;COUNT=2', dtstart: '2026-01-31T10:00:00Z', count: 5 });
    expect(res.body.occurrences).toEqual(['2026-01-31T10:00:00.000Z', '2026-03-31T10:00:00.000Z']);
  });

  it.each([
    ['an invalid rule', { rule: 'FREQ=FORTNIGHTLY', dtstart: '2026-01-01T00:00:00Z' }, 'rule'],
    ['FREQ=MINUTELY', { rule: 'FREQ=MINUTELY', dtstart: '2026-01-01T00:00:00Z' }, 'rule'],
    ['a missing dtstart', { rule: 'daily' }, 'dtstart'],
    [
      'an unknown zone',
      { rule: 'daily', dtstart: '2026-01-01T00:00:00Z', timezone: 'Europe/Atlantis' },
      'timezone',
    ],
    ['count 0', { rule: 'daily', dtstart: '2026-01-01T00:00:00Z', count: 0 }, 'count'],
    ['count 501', { rule: 'daily', dtstart: '2026-01-01T00:00:00Z', count: 501 }, 'count'],
  ])('rejects %s with 400 naming the field', async (_, json, path) => {
    const res = await preview(json);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
  });

  it('needs a token like every /api route', async () => {
    const res = await api.call('POST', '/api/recurrence/preview', {
      json: { rule: 'daily', dtstart: '2026-01-01T00:00:00Z' },
    });
    expect(res.status).toBe(401);
  });
});
