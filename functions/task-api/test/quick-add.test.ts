import { readFile } from 'node:fs/promises';
import type { Db } from '@nudge/core';
import { manualClock } from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, outbox, startApi } from './harness.ts';

const clock = manualClock('2027-03-10T14:00:00.000Z'); // a Wednesday
let api: Api;

beforeAll(async () => {
  api = await startApi({ clock, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => api.close());
beforeEach(async () => {
  clock.set('2027-03-10T14:00:00.000Z');
  await api.db.deleteFrom('outbox').execute();
  await api.db.deleteFrom('tasks').execute();
});

const parse = (json: unknown, as = 'alice') => api.call('POST', '/api/tasks/parse', { as, json });
const quick = (json: unknown, as = 'alice') => api.call('POST', '/api/tasks/quick', { as, json });

/** Every table a write would touch, counted: parsing must leave all of them as they were. */
async function footprint(db: Db) {
  const count = async (table: 'tasks' | 'reminders' | 'outbox' | 'task_changes' | 'user_changes') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    tasks: await count('tasks'),
    reminders: await count('reminders'),
    outbox: await count('outbox'),
    task_changes: await count('task_changes'),
    user_changes: await count('user_changes'),
  };
}

/** A task and its events without what differs between two creations: ids and the ids they mention. */
function comparable(task: any, events: Awaited<ReturnType<typeof outbox>>) {
  const reminderIds = new Map<string, number>(task.reminders.map((r: any, i: number) => [r.id, i]));
  return {
    task: {
      ...task,
      id: undefined,
      reminders: task.reminders.map((r: any) => ({ ...r, id: undefined })),
    },
    events: events.map(({ event, ...row }) => {
      const { task_id, series_id, reminder_id, ...payload } = event.data.payload;
      return {
        ...row,
        type: event.type,
        source: event.source,
        time: event.time,
        subject_is_task: event.subject === task.id,
        payload,
        refers_to_task: task_id === task.id && (series_id === undefined || series_id === task.id),
        reminder: reminder_id === undefined ? undefined : reminderIds.get(reminder_id),
      };
    }),
  };
}

describe('POST /api/tasks/parse', () => {
  it('answers the draft and tokens of docs/api.md’s example and writes nothing', async () => {
    const before = await footprint(api.db);
    const res = await parse({
      text: 'Pay rent every month on the 1st #home p1',
      timezone: 'Europe/Berlin',
      now: '2027-03-10T14:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      draft: {
        title: 'Pay rent',
        timezone: 'Europe/Berlin',
        due_at: '2027-04-01T09:00:00+02:00',
        recurrence: { rule: 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1', from: 'due' },
        priority: 'urgent',
        tags: ['home'],
      },
      tokens: [
        { start: 9, end: 31, kind: 'recurrence', value: 'every month on the 1st' },
        { start: 32, end: 37, kind: 'tag', value: '#home' },
        { start: 38, end: 40, kind: 'priority', value: 'p1 · urgent' },
      ],
    });
    expect(await footprint(api.db)).toEqual(before);
    expect(api.kicks.count).toBe(0);
  });

  it('reads dates from the server clock when no `now` is sent', async () => {
    clock.set('2027-03-10T14:00:00.000Z');
    const res = await parse({ text: 'Call mom tomorrow', timezone: 'Europe/Berlin' });
    expect(res.body.draft).toEqual({
      title: 'Call mom',
      timezone: 'Europe/Berlin',
      due_at: '2027-03-11T09:00:00+01:00',
    });
  });

  it('honours `now`: the same words typed on another day give another date', async () => {
    const res = await parse({
      text: 'Call mom tomorrow',
      timezone: 'Australia/Sydney',
      now: '2027-06-30T20:00:00+10:00',
    });
    expect(res.body.draft.due_at).toBe('2027-07-01T09:00:00+10:00');
  });

  it('answers the same draft as every vector of the shared phrase table', async () => {
    const table = JSON.parse(
      await readFile(new URL('../../../packages/core/test/quick-add-vectors.json', import.meta.url), 'utf8'),
    ) as { vectors: { text: string; timezone: string; now: string; draft: unknown; tokens?: unknown }[] };
    expect(table.vectors.length).toBeGreaterThanOrEqual(120);
    for (const vector of table.vectors) {
      const res = await parse({ text: vector.text, timezone: vector.timezone, now: vector.now });
      expect({ text: vector.text, status: res.status, draft: res.body.draft }).toEqual({
        text: vector.text,
        status: 200,
        draft: vector.draft,
      });
      if (vector.tokens) expect(res.body.tokens).toEqual(vector.tokens);
    }
  });
});

describe('POST /api/tasks/quick', () => {
  it('creates the task POST /api/tasks creates from the parse draft, with the same events', async () => {
    const text = 'Submit report friday 5pm remind me 1 day before #work p2';
    const timezone = 'Europe/Berlin';
    const { body: parsed } = await parse({ text, timezone });

    const viaQuick = await quick({ text, timezone });
    expect(viaQuick.status).toBe(201);
    expect(viaQuick.body).toMatchObject({
      title: 'Submit report',
      priority: 'high',
      tags: ['work'],
      due_at: '2027-03-12T16:00:00.000Z',
      timezone,
      reminders: [{ before: 'P1D', remind_at: '2027-03-11T16:00:00.000Z', status: 'pending' }],
    });
    const quickEvents = await outbox(api.db);
    expect(quickEvents.map((row) => row.event_type)).toEqual(['task.created', 'reminder.scheduled']);
    expect(api.kicks.count).toBeGreaterThan(0);

    await api.db.deleteFrom('outbox').execute();
    const viaCreate = await api.call('POST', '/api/tasks', { as: 'alice', json: parsed.draft });
    expect(viaCreate.status).toBe(201);
    expect(comparable(viaQuick.body, quickEvents)).toEqual(comparable(viaCreate.body, await outbox(api.db)));
  });

  it('creates a recurring task due at its first occurrence', async () => {
    const res = await quick({
      text: 'Water plants every 3 days after completion',
      timezone: 'Europe/Berlin',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Water plants',
      due_at: '2027-03-11T08:00:00.000Z',
      recurrence: { rule: 'RRULE:FREQ=DAILY;INTERVAL=3', from: 'completion' },
    });
  });

  it('belongs to the caller: another user can neither read nor list it', async () => {
    const res = await quick({ text: 'Bob’s secret tomorrow', timezone: 'UTC' }, 'bob');
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect((await api.call('GET', `/api/tasks/${id}`, { as: 'bob' })).status).toBe(200);
    expect((await api.call('GET', `/api/tasks/${id}`, { as: 'alice' })).status).toBe(404);
    expect((await api.call('GET', '/api/tasks', { as: 'alice' })).body.items).toEqual([]);
    expect((await outbox(api.db)).map((row) => row.user_id)).toEqual(['bob']);
  });

  it('needs a bearer token, like every task route', async () => {
    for (const path of ['/api/tasks/parse', '/api/tasks/quick']) {
      const res = await api.call('POST', path, { json: { text: 'x', timezone: 'UTC' } });
      expect(res.status).toBe(401);
    }
    expect(await footprint(api.db)).toMatchObject({ tasks: 0, outbox: 0 });
  });
});

describe('quick-add request validation', () => {
  const valid = { text: 'Buy milk tomorrow', timezone: 'Europe/Berlin' };
  it.each([
    ['text over 1,000 characters', { ...valid, text: 'x'.repeat(1_001) }, 'text'],
    ['blank text', { ...valid, text: ' \t\n ' }, 'text'],
    ['empty text', { ...valid, text: '' }, 'text'],
    ['text missing', { timezone: 'UTC' }, 'text'],
    ['text not a string', { ...valid, text: 42 }, 'text'],
    ['an unknown zone', { ...valid, timezone: 'Mars/Olympus' }, 'timezone'],
    ['an offset instead of a zone', { ...valid, timezone: '+01:00' }, 'timezone'],
    ['timezone missing', { text: 'Buy milk' }, 'timezone'],
    ['an unknown field', { ...valid, titel: 'typo' }, '(root)'],
  ])('refuses %s with 400 naming the field, on both routes, writing nothing', async (_, json, path) => {
    for (const send of [parse, quick]) {
      const res = await send(json);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
    }
    expect(await footprint(api.db)).toMatchObject({ tasks: 0, outbox: 0 });
  });

  it.each([
    ['not a time', 'next tuesday'],
    ['without an offset', '2027-03-10T14:00:00'],
    ['not a string', 1_773_151_200_000],
  ])('refuses a `now` %s with 400 on `now`', async (_, now) => {
    const res = await parse({ ...valid, now });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path: 'now', message: expect.any(String) });
  });

  it('takes text of exactly 1,000 characters, the title cut to its 500', async () => {
    const text = `${'word '.repeat(198)}tomorrow`.padStart(1_000, 'x');
    expect(text).toHaveLength(1_000);
    const res = await quick({ text, timezone: 'UTC' });
    expect(res.status).toBe(201);
    expect(res.body.due_at).toBe('2027-03-11T09:00:00.000Z');
    expect(res.body.title).toHaveLength(500);
  });

  it('refuses `now` on /quick: a created task is dated by the server clock', async () => {
    const res = await quick({ ...valid, now: '2020-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(await footprint(api.db)).toMatchObject({ tasks: 0 });
  });
});
