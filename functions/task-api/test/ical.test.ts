import { manualClock } from '@nudge/testing';
import ICAL from 'ical.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, startApi } from './harness.ts';

// The export and import are checked with Mozilla's ical.js, the parser Thunderbird reads them with.
const clock = manualClock('2026-10-20T10:00:00.000Z');
let api: Api;
beforeAll(async () => {
  api = await startApi({ clock, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => api.close());
beforeEach(async () => {
  clock.set('2026-10-20T10:00:00.000Z');
  await api.db.deleteFrom('tasks').execute();
});

type Task = {
  id: string;
  due_at: string;
  timezone: string;
  recurrence: { rule: string; from: string } | null;
};
const create = async (json: Record<string, unknown>, as = 'alice') => {
  const res = await api.call('POST', '/api/tasks', { as, json });
  expect(res.status).toBe(201);
  return res.body as Task;
};
const exportIcs = async (as = 'alice') =>
  (await api.call('GET', '/api/tasks/export?format=ics', { as })).text;
const importIcs = (text: string, as = 'alice') =>
  api.call('POST', '/api/tasks/import', { as, body: text, headers: { 'content-type': 'text/calendar' } });
const listAll = async (as = 'alice') =>
  (await api.call('GET', '/api/tasks?status=all&sort=due_at&limit=100', { as })).body.items as any[];

/** Parses like a calendar app: the file's own VTIMEZONEs are what resolve its TZIDs. */
function parseCalendar(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  return calendar;
}
const instant = (todo: ICAL.Component, name: string) =>
  (todo.getFirstPropertyValue(name) as ICAL.Time).toJSDate().toISOString();
const todoFor = (calendar: ICAL.Component, id: string) =>
  calendar.getAllSubcomponents('vtodo').find((t) => t.getFirstPropertyValue('uid') === id)!;

// Three zones, one of them southern (DST in the other half of the year), each crossing a DST change.
const recurring = [
  { title: 'Berlin stand-up', timezone: 'Europe/Berlin', due_at: '2026-10-21T07:00:00Z', rule: 'daily' },
  {
    title: 'New York review',
    timezone: 'America/New_York',
    due_at: '2026-10-26T13:30:00Z',
    rule: 'FREQ=WEEKLY;BYDAY=MO',
  },
  {
    title: 'Sydney rent',
    timezone: 'Australia/Sydney',
    due_at: '2026-09-30T23:00:00Z',
    rule: 'FREQ=MONTHLY;BYMONTHDAY=1',
  },
];

describe('GET /api/tasks/export?format=ics read by ical.js', () => {
  it('defines a VTIMEZONE for every TZID and every DUE resolves to the task instant', async () => {
    const tasks = [
      ...(await Promise.all(recurring.map(({ rule, ...t }) => create({ ...t, recurrence: { rule } })))),
      await create({ title: 'In UTC', due_at: '2026-11-01T12:00:00Z' }),
      await create({ title: 'Kolkata, no DST', due_at: '2026-11-02T04:30:00Z', timezone: 'Asia/Kolkata' }),
    ];
    const text = await exportIcs();
    const calendar = parseCalendar(text);
    const defined = calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'));
    const used = [...new Set([...text.replace(/\r\n /g, '').matchAll(/;TZID=([^:;]+)/g)].map((m) => m[1]))];
    expect(used.sort()).toEqual(['America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Europe/Berlin']);
    expect([...defined].sort()).toEqual(used);
    for (const task of tasks) {
      const todo = todoFor(calendar, task.id);
      expect(instant(todo, 'due'), task.timezone).toBe(new Date(task.due_at).toISOString());
      // Not floating: a reader elsewhere sees the same instant.
      expect((todo.getFirstPropertyValue('due') as ICAL.Time).zone?.tzid).toBe(task.timezone);
    }
  });

  it.each(recurring)(
    'expands $title ($timezone) to the same 10 occurrences as /api/recurrence/preview',
    async (spec) => {
      const task = await create({
        title: spec.title,
        due_at: spec.due_at,
        timezone: spec.timezone,
        recurrence: { rule: spec.rule },
      });
      const todo = todoFor(parseCalendar(await exportIcs()), task.id);
      expect(instant(todo, 'dtstart')).toBe(instant(todo, 'due'));
      const expansion = new ICAL.RecurExpansion({
        component: todo,
        dtstart: todo.getFirstPropertyValue('dtstart') as ICAL.Time,
      });
      const expanded = Array.from({ length: 10 }, () => expansion.next()!.toJSDate().toISOString());
      const preview = await api.call('POST', '/api/recurrence/preview', {
        as: 'alice',
        json: { rule: spec.rule, dtstart: task.due_at, timezone: spec.timezone, count: 10 },
      });
      expect(preview.status).toBe(200);
      expect(expanded).toEqual(preview.body.occurrences);
    },
  );

  it('round-trips "repeat from completion" and re-imports its own export idempotently', async () => {
    const task = await create({
      title: 'Water the plants',
      due_at: '2026-10-21T07:00:00Z',
      timezone: 'Europe/Berlin',
      tags: ['home', 'garden'],
      priority: 'high',
      recurrence: { rule: 'FREQ=DAILY;INTERVAL=3', from: 'completion' },
      reminders: [{ before: 'PT1H' }],
    });
    const text = await exportIcs();
    expect(todoFor(parseCalendar(text), task.id).getFirstPropertyValue('x-nudge-repeat-from')).toBe(
      'COMPLETION',
    );
    expect((await importIcs(text)).body).toEqual({ imported: 0 });
    await api.db.deleteFrom('tasks').execute();
    expect((await importIcs(text)).body).toEqual({ imported: 1 });
    const [back] = await listAll();
    expect(back).toMatchObject({
      id: task.id,
      due_at: '2026-10-21T07:00:00.000Z',
      timezone: 'Europe/Berlin',
      priority: 'high',
      tags: ['home', 'garden'],
      recurrence: { rule: 'RRULE:FREQ=DAILY;INTERVAL=3', from: 'completion' },
    });
    expect(back.reminders.map((r: { before: string }) => r.before)).toEqual(['PT1H']);
  });
});

const berlin = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];
const calendar = (prodid: string, ...body: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${prodid}`, ...body, 'END:VCALENDAR', ''].join('\r\n');

// Shapes as the apps write them (Thunderbird: TZID + VTIMEZONE, alarms relative to DTSTART;
// Apple Reminders: upper-case UUIDs, X-WR-TIMEZONE, absolute alarms; Tasks.org: numeric UIDs, UTC).
const thunderbird = calendar(
  '-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
  ...berlin,
  'BEGIN:VTODO',
  'CREATED:20261001T080000Z',
  'LAST-MODIFIED:20261002T080000Z',
  'DTSTAMP:20261002T080000Z',
  'UID:0c5b7c9e-tb-4711@thunderbird',
  'SUMMARY:Pay rent\\, flat 3',
  'PRIORITY:1',
  'CATEGORIES:Home,Money',
  'DTSTART;TZID=Europe/Berlin:20261101T090000',
  'DUE;TZID=Europe/Berlin:20261101T090000',
  'RRULE:FREQ=MONTHLY;BYMONTHDAY=1',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER;VALUE=DURATION:-PT15M',
  'DESCRIPTION:Default Mozilla Description',
  'END:VALARM',
  'END:VTODO',
);
const apple = calendar(
  '-//Apple Inc.//iOS 18.0//EN',
  'X-WR-TIMEZONE:America/New_York',
  'BEGIN:VTODO',
  'UID:A1B2C3D4-E5F6-4890-ABCD-EF1234567890',
  'DTSTAMP:20261010T120000Z',
  'SUMMARY:Call mom',
  'DUE:20261115T180000',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER;VALUE=DATE-TIME:20261115T223000Z',
  'END:VALARM',
  'END:VTODO',
);
const tasksOrg = calendar(
  '+//IDN tasks.org//android-130804//EN',
  'BEGIN:VTODO',
  'UID:5173981829338290219',
  'DTSTAMP:20261010T120000Z',
  'SUMMARY:Stretch',
  'DESCRIPTION:10 minutes',
  'PRIORITY:9',
  'CATEGORIES:health',
  'DUE:20261021T060000Z',
  'RRULE:FREQ=DAILY;INTERVAL=2',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER;RELATED=END:-PT30M',
  'END:VALARM',
  'END:VTODO',
  'BEGIN:VTODO',
  'UID:5173981829338290220',
  'DTSTAMP:20261010T120000Z',
  'SUMMARY:Done already',
  'STATUS:COMPLETED',
  'COMPLETED:20261012T090000Z',
  'END:VTODO',
);

describe('POST /api/tasks/import with Content-Type: text/calendar', () => {
  it('creates tasks from Thunderbird, Apple Reminders and Tasks.org VTODOs, once', async () => {
    for (const file of [thunderbird, apple, tasksOrg]) expect((await importIcs(file)).status).toBe(200);
    const tasks = await listAll();
    const byTitle = Object.fromEntries(tasks.map((t) => [t.title, t]));
    expect(byTitle['Pay rent, flat 3']).toMatchObject({
      due_at: '2026-11-01T08:00:00.000Z',
      timezone: 'Europe/Berlin',
      priority: 'urgent',
      tags: ['Home', 'Money'],
      recurrence: { rule: 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1', from: 'due' },
    });
    expect(byTitle['Pay rent, flat 3'].reminders).toMatchObject([
      { before: 'PT15M', remind_at: '2026-11-01T07:45:00.000Z' },
    ]);
    expect(byTitle['Call mom']).toMatchObject({
      id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
      due_at: '2026-11-15T23:00:00.000Z',
      timezone: 'America/New_York',
    });
    expect(byTitle['Call mom'].reminders).toMatchObject([
      { before: null, remind_at: '2026-11-15T22:30:00.000Z' },
    ]);
    expect(byTitle.Stretch).toMatchObject({
      description: '10 minutes',
      priority: 'low',
      tags: ['health'],
      timezone: 'UTC',
      recurrence: { rule: 'RRULE:FREQ=DAILY;INTERVAL=2' },
    });
    expect(byTitle.Stretch.reminders).toMatchObject([{ before: 'PT30M' }]);
    expect(byTitle['Done already']).toMatchObject({
      status: 'completed',
      completed_at: '2026-10-12T09:00:00.000Z',
    });

    // Idempotent by UID: the same files again create nothing, for another user they do.
    for (const file of [thunderbird, apple, tasksOrg])
      expect((await importIcs(file)).body).toEqual({ imported: 0 });
    expect(await listAll()).toHaveLength(4);
    expect((await importIcs(tasksOrg, 'bob')).body).toEqual({ imported: 2 });
  });

  it('answers 400 naming the problem, and 415 for other text', async () => {
    const broken = await importIcs('BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:x\r\n');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/^body: not an iCalendar file/);
    const noUid = await importIcs(calendar('-//x//EN', 'BEGIN:VTODO', 'SUMMARY:No uid', 'END:VTODO'));
    expect(noUid.status).toBe(400);
    expect(noUid.body.error.message).toMatch(/^UID:/);
    const badRule = await importIcs(
      calendar(
        '-//x//EN',
        'BEGIN:VTODO',
        'UID:r1',
        'SUMMARY:x',
        'DUE:20261101T090000Z',
        'RRULE:FREQ=SECONDLY',
        'END:VTODO',
      ),
    );
    expect(badRule.status).toBe(400);
    expect(JSON.stringify(badRule.body.error)).toContain('recurrence');
    const text = await api.call('POST', '/api/tasks/import', {
      as: 'alice',
      body: 'hi',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    // Other routes still take JSON only.
    const created = await api.call('POST', '/api/tasks', {
      as: 'alice',
      body: thunderbird,
      headers: { 'content-type': 'text/calendar' },
    });
    expect(created.status).toBe(415);
  });
});
