import { manualClock } from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, outbox, startApi } from './harness.ts';

const clock = manualClock('2026-11-22T10:00:00.000Z');
const now = '2026-11-22T10:00:00.000Z';
let api: Api;

beforeAll(async () => {
  api = await startApi({ clock, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => api.close());
beforeEach(async () => {
  clock.set(now);
  await api.db.deleteFrom('outbox').execute();
  await api.db.deleteFrom('tasks').execute();
});

const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** The exact CloudEvent envelope design.md specifies, for one outbox row. */
function envelope(type: string, subject: string, payload: unknown, user = 'alice', time = now) {
  return {
    topic: type.startsWith('task.') ? 'task-events' : 'reminders',
    event_type: type,
    user_id: user,
    event: {
      specversion: '1.0',
      id: uuid,
      type,
      source: '/nudge/task-api',
      time,
      subject,
      partitionkey: user,
      datacontenttype: 'application/json',
      data: { event_id: uuid, event_type: type, user_id: user, timestamp: time, payload },
    },
  };
}

async function expectOutbox(expected: unknown[]) {
  const rows = await outbox(api.db);
  expect(rows).toEqual(expected);
  for (const row of rows) expect(row.event.data.event_id).toBe(row.event.id);
}

const create = (json: unknown, as = 'alice') => api.call('POST', '/api/tasks', { as, json });

describe('POST /api/tasks', () => {
  it('creates a task with defaults and answers 201 with the representation', async () => {
    const res = await create({ title: 'Buy milk' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: uuid,
      title: 'Buy milk',
      description: null,
      priority: 'medium',
      tags: [],
      status: 'open',
      completed_at: null,
      due_at: null,
      timezone: 'UTC',
      recurrence: null,
      parent_task_id: null,
      reminders: [],
      created_at: now,
      updated_at: now,
    });
    expect(api.kicks.count).toBeGreaterThan(0);
  });

  it('normalises the rule, resolves reminders and writes task.created then reminder.scheduled', async () => {
    const res = await create({
      title: 'Stand-up',
      description: 'daily sync',
      priority: 'high',
      tags: ['work', 'work', 'team'],
      due_at: '2026-11-23T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'daily' },
      reminders: [{ before: 'PT15M' }, { at: '2026-11-23T06:00:00Z' }],
    });
    expect(res.status).toBe(201);
    const task = res.body;
    expect(task).toMatchObject({
      tags: ['work', 'team'],
      due_at: '2026-11-23T08:00:00.000Z',
      recurrence: { rule: 'RRULE:FREQ=DAILY', from: 'due' },
    });
    expect(task.reminders).toEqual([
      { id: uuid, before: null, remind_at: '2026-11-23T06:00:00.000Z', status: 'pending', sent_at: null },
      { id: uuid, before: 'PT15M', remind_at: '2026-11-23T07:45:00.000Z', status: 'pending', sent_at: null },
    ]);
    const [absolute, relative] = task.reminders;
    await expectOutbox([
      envelope('task.created', task.id, {
        task_id: task.id,
        title: 'Stand-up',
        description: 'daily sync',
        priority: 'high',
        tags: ['work', 'team'],
        due_at: '2026-11-23T08:00:00.000Z',
        timezone: 'Europe/Berlin',
        recurrence: { rule: 'RRULE:FREQ=DAILY', from: 'due' },
        parent_task_id: null,
        series_id: task.id,
        series_index: 1,
      }),
      // in the order the reminders were given
      envelope('reminder.scheduled', task.id, {
        task_id: task.id,
        reminder_id: relative.id,
        remind_at: '2026-11-23T07:45:00.000Z',
      }),
      envelope('reminder.scheduled', task.id, {
        task_id: task.id,
        reminder_id: absolute.id,
        remind_at: '2026-11-23T06:00:00.000Z',
      }),
    ]);
    const row = await api.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(row.series_id).toBe(task.id);
    expect(row.series_anchor_at?.toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it('marks a reminder whose time has passed as skipped and announces nothing for it', async () => {
    const res = await create({ title: 'Late', reminders: [{ at: '2026-11-22T09:00:00Z' }] });
    expect(res.body.reminders).toMatchObject([{ status: 'skipped' }]);
    expect((await outbox(api.db)).map((r) => r.event_type)).toEqual(['task.created']);
  });

  it.each([
    ['title missing', {}, 'title'],
    ['title empty', { title: '   ' }, 'title'],
    ['title too long', { title: 'x'.repeat(501) }, 'title'],
    ['title not a string', { title: 5 }, 'title'],
    ['description too long', { title: 't', description: 'x'.repeat(10_001) }, 'description'],
    ['unknown priority', { title: 't', priority: 'critical' }, 'priority'],
    ['too many tags', { title: 't', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
    ['tag too long', { title: 't', tags: ['x'.repeat(51)] }, 'tags.0'],
    ['empty tag', { title: 't', tags: [''] }, 'tags.0'],
    ['due_at not a time', { title: 't', due_at: 'tomorrow' }, 'due_at'],
    ['due_at without offset', { title: 't', due_at: '2026-11-23T09:00:00' }, 'due_at'],
    ['unknown zone', { title: 't', timezone: 'Mars/Olympus' }, 'timezone'],
    ['offset instead of zone', { title: 't', timezone: '+02:00' }, 'timezone'],
    ['invalid RRULE', { title: 't', due_at: now, recurrence: { rule: 'banana' } }, 'recurrence.rule'],
    [
      'FREQ finer than HOURLY',
      { title: 't', due_at: now, recurrence: { rule: 'FREQ=MINUTELY' } },
      'recurrence.rule',
    ],
    [
      'unknown recurrence mode',
      { title: 't', due_at: now, recurrence: { rule: 'daily', from: 'never' } },
      'recurrence.from',
    ],
    ['recurring without due_at', { title: 't', recurrence: { rule: 'daily' } }, 'due_at'],
    [
      '11 reminders',
      { title: 't', reminders: Array.from({ length: 11 }, () => ({ at: '2027-01-01T00:00:00Z' })) },
      'reminders',
    ],
    [
      'malformed duration',
      { title: 't', due_at: now, reminders: [{ before: '1 hour' }] },
      'reminders.0.before',
    ],
    [
      'negative duration',
      { title: 't', due_at: now, reminders: [{ before: '-PT1H' }] },
      'reminders.0.before',
    ],
    [
      'both before and at',
      { title: 't', due_at: now, reminders: [{ before: 'PT1H', at: now }] },
      'reminders.0',
    ],
    ['neither before nor at', { title: 't', reminders: [{}] }, 'reminders.0'],
    [
      'relative reminder without due_at',
      { title: 't', reminders: [{ before: 'PT1H' }] },
      'reminders.0.before',
    ],
    ['unknown field', { title: 't', titel: 'typo' }, '(root)'],
    ['an array body', [], '(root)'],
  ])('rejects %s with 400 validation_failed naming the field, writing nothing', async (_, json, path) => {
    const res = await create(json);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
    expect(await api.db.selectFrom('tasks').select('id').execute()).toEqual([]);
    expect(await outbox(api.db)).toEqual([]);
  });

  it('rejects a request without body', async () => {
    const res = await api.call('POST', '/api/tasks', { as: 'alice' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('GET /api/tasks/{id}', () => {
  it('answers 404 not_found for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await api.call('GET', `/api/tasks/${id}`, { as: 'alice' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'task not found', details: [] } });
    }
  });
});

describe('PATCH /api/tasks/{id}', () => {
  it('changes the given fields and writes task.updated with only the changes', async () => {
    const task = (await create({ title: 'Old', tags: ['a'] })).body;
    await api.db.deleteFrom('outbox').execute();
    clock.set('2026-11-22T11:00:00.000Z');
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, {
      as: 'alice',
      json: { title: 'New', tags: ['a'], priority: 'urgent', description: 'details' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: 'New',
      priority: 'urgent',
      description: 'details',
      updated_at: '2026-11-22T11:00:00.000Z',
    });
    await expectOutbox([
      envelope(
        'task.updated',
        task.id,
        { task_id: task.id, changes: { title: 'New', description: 'details', priority: 'urgent' } },
        'alice',
        '2026-11-22T11:00:00.000Z',
      ),
    ]);
  });

  it('moves pending relative reminders when due_at changes, leaving absolute ones', async () => {
    const task = (
      await create({
        title: 't',
        due_at: '2026-11-23T09:00:00Z',
        reminders: [{ before: 'PT1H' }, { at: '2026-11-23T05:00:00Z' }],
      })
    ).body;
    await api.db.deleteFrom('outbox').execute();
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, {
      as: 'alice',
      json: { due_at: '2026-11-24T09:00:00Z' },
    });
    expect(res.body.reminders.map((r: any) => [r.before, r.remind_at])).toEqual([
      [null, '2026-11-23T05:00:00.000Z'],
      ['PT1H', '2026-11-24T08:00:00.000Z'],
    ]);
    const relative = res.body.reminders[1];
    expect(relative.id).toBe(task.reminders.find((r: any) => r.before === 'PT1H').id);
    await expectOutbox([
      envelope('task.updated', task.id, {
        task_id: task.id,
        changes: { due_at: '2026-11-24T09:00:00.000Z' },
      }),
      envelope('reminder.scheduled', task.id, {
        task_id: task.id,
        reminder_id: relative.id,
        remind_at: '2026-11-24T08:00:00.000Z',
      }),
    ]);
  });

  it('replaces the reminder set: old pending ones cancelled, new ones scheduled', async () => {
    const task = (
      await create({ title: 't', due_at: '2026-11-23T09:00:00Z', reminders: [{ before: 'PT1H' }] })
    ).body;
    await api.db.deleteFrom('outbox').execute();
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, {
      as: 'alice',
      json: { reminders: [{ before: 'P1D' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.reminders).toEqual([
      { id: uuid, before: 'P1D', remind_at: '2026-11-22T09:00:00.000Z', status: 'skipped', sent_at: null },
    ]);
    const types = (await outbox(api.db)).map((r) => [r.event_type, r.event.data.payload.reminder_id]);
    expect(types).toEqual([
      ['task.updated', undefined],
      ['reminder.cancelled', task.reminders[0].id],
    ]);
    const stored = await api.db.selectFrom('reminders').select('id').where('task_id', '=', task.id).execute();
    expect(stored).toEqual([{ id: res.body.reminders[0].id }]);
  });

  it('re-anchors a recurring series at the new due date', async () => {
    const task = (await create({ title: 't', due_at: '2026-11-23T09:00:00Z', recurrence: { rule: 'daily' } }))
      .body;
    await api.call('PATCH', `/api/tasks/${task.id}`, {
      as: 'alice',
      json: { due_at: '2026-11-23T10:00:00Z' },
    });
    const row = await api.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(row.series_anchor_at?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(row.series_id).toBe(task.id);
  });

  it.each([
    ['removing due_at of a recurring task', { due_at: null }, 'due_at'],
    ['an invalid rule', { recurrence: { rule: 'FREQ=SECONDLY' } }, 'recurrence.rule'],
    ['a null title', { title: null }, 'title'],
    ['an unknown field', { status: 'completed' }, '(root)'],
    [
      'a relative reminder once due_at is gone',
      { due_at: null, recurrence: null, reminders: [{ before: 'PT1H' }] },
      'reminders.0.before',
    ],
  ])('rejects %s and changes nothing', async (_, json, path) => {
    const task = (
      await create({
        title: 't',
        due_at: '2026-11-23T09:00:00Z',
        recurrence: { rule: 'daily' },
        reminders: [{ before: 'PT1H' }],
      })
    ).body;
    await api.db.deleteFrom('outbox').execute();
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, { as: 'alice', json });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
    expect((await api.call('GET', `/api/tasks/${task.id}`, { as: 'alice' })).body).toEqual(task);
    expect(await outbox(api.db)).toEqual([]);
  });

  it('refuses to drop due_at while relative reminders remain', async () => {
    const task = (
      await create({ title: 't', due_at: '2026-11-23T09:00:00Z', reminders: [{ before: 'PT1H' }] })
    ).body;
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, { as: 'alice', json: { due_at: null } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('due_at');
    const ok = await api.call('PATCH', `/api/tasks/${task.id}`, {
      as: 'alice',
      json: { due_at: null, reminders: [] },
    });
    expect(ok.body).toMatchObject({ due_at: null, reminders: [] });
  });

  it('an empty patch changes nothing and writes no event', async () => {
    const task = (await create({ title: 't' })).body;
    await api.db.deleteFrom('outbox').execute();
    clock.advance(60_000);
    const res = await api.call('PATCH', `/api/tasks/${task.id}`, { as: 'alice', json: {} });
    expect(res.body).toEqual(task);
    expect(await outbox(api.db)).toEqual([]);
  });

  it('answers 404 for an unknown task', async () => {
    const res = await api.call('PATCH', '/api/tasks/00000000-0000-4000-8000-000000000000', {
      as: 'alice',
      json: { title: 'x' },
    });
    expect(res.status).toBe(404);
  });
});

describe('complete and reopen', () => {
  it('completes: status, completed_at, pending reminders cancelled, task.completed with recurrence state', async () => {
    const task = (
      await create({
        title: 'Weekly review',
        due_at: '2026-11-23T09:00:00Z',
        timezone: 'Europe/Berlin',
        recurrence: { rule: 'weekly', from: 'completion' },
        reminders: [{ before: 'PT1H' }],
      })
    ).body;
    await api.db.deleteFrom('outbox').execute();
    clock.set('2026-11-22T12:00:00.000Z');
    const res = await api.call('POST', `/api/tasks/${task.id}/complete`, { as: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', completed_at: '2026-11-22T12:00:00.000Z' });
    expect(res.body.reminders).toMatchObject([{ status: 'cancelled' }]);
    const at = '2026-11-22T12:00:00.000Z';
    await expectOutbox([
      envelope(
        'task.completed',
        task.id,
        {
          task_id: task.id,
          completed_at: at,
          due_at: '2026-11-23T09:00:00.000Z',
          timezone: 'Europe/Berlin',
          recurrence: { rule: 'RRULE:FREQ=WEEKLY', from: 'completion' },
          series_id: task.id,
          series_anchor_at: '2026-11-23T09:00:00.000Z',
          series_index: 1,
        },
        'alice',
        at,
      ),
      envelope(
        'reminder.cancelled',
        task.id,
        { task_id: task.id, reminder_id: task.reminders[0].id, remind_at: '2026-11-23T08:00:00.000Z' },
        'alice',
        at,
      ),
    ]);
  });

  it('completing a completed task changes nothing and emits nothing', async () => {
    const task = (await create({ title: 't' })).body;
    const first = await api.call('POST', `/api/tasks/${task.id}/complete`, { as: 'alice' });
    const before = await outbox(api.db);
    clock.advance(60_000);
    const second = await api.call('POST', `/api/tasks/${task.id}/complete`, { as: 'alice' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await outbox(api.db)).toEqual(before);
  });

  it('of ten concurrent completes exactly one writes task.completed', async () => {
    const task = (await create({ title: 't' })).body;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => api.call('POST', `/api/tasks/${task.id}/complete`, { as: 'alice' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const completed = (await outbox(api.db)).filter((r) => r.event_type === 'task.completed');
    expect(completed).toHaveLength(1);
  });

  it('reopens: open again, completed_at cleared, future reminders pending again, past ones stay cancelled', async () => {
    const task = (
      await create({
        title: 't',
        due_at: '2026-11-25T09:00:00Z',
        reminders: [{ at: '2026-11-22T11:00:00Z' }, { before: 'PT1H' }],
      })
    ).body;
    await api.call('POST', `/api/tasks/${task.id}/complete`, { as: 'alice' });
    await api.db.deleteFrom('outbox').execute();
    clock.set('2026-11-22T12:00:00.000Z');
    const res = await api.call('POST', `/api/tasks/${task.id}/reopen`, { as: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'open', completed_at: null });
    expect(res.body.reminders.map((r: any) => r.status)).toEqual(['cancelled', 'pending']);
    const at = '2026-11-22T12:00:00.000Z';
    await expectOutbox([
      envelope(
        'task.updated',
        task.id,
        { task_id: task.id, changes: { status: 'open', completed_at: null } },
        'alice',
        at,
      ),
      envelope(
        'reminder.scheduled',
        task.id,
        { task_id: task.id, reminder_id: res.body.reminders[1].id, remind_at: '2026-11-25T08:00:00.000Z' },
        'alice',
        at,
      ),
    ]);
    const again = await api.call('POST', `/api/tasks/${task.id}/reopen`, { as: 'alice' });
    expect(again.body).toEqual(res.body);
    expect(await outbox(api.db)).toHaveLength(2);
  });

  it('answers 404 for unknown tasks', async () => {
    for (const action of ['complete', 'reopen']) {
      const res = await api.call('POST', `/api/tasks/00000000-0000-4000-8000-000000000000/${action}`, {
        as: 'alice',
      });
      expect(res.status).toBe(404);
    }
  });
});

describe('DELETE /api/tasks/{id}', () => {
  it('deletes the task and its reminders: 204, then 404; pending reminders announced cancelled', async () => {
    const task = (
      await create({ title: 't', due_at: '2026-11-23T09:00:00Z', reminders: [{ before: 'PT1H' }] })
    ).body;
    await api.db.deleteFrom('outbox').execute();
    const res = await api.call('DELETE', `/api/tasks/${task.id}`, { as: 'alice' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.call('GET', `/api/tasks/${task.id}`, { as: 'alice' })).status).toBe(404);
    expect((await api.call('DELETE', `/api/tasks/${task.id}`, { as: 'alice' })).status).toBe(404);
    expect(
      await api.db.selectFrom('reminders').select('id').where('task_id', '=', task.id).execute(),
    ).toEqual([]);
    await expectOutbox([
      envelope('reminder.cancelled', task.id, {
        task_id: task.id,
        reminder_id: task.reminders[0].id,
        remind_at: '2026-11-23T08:00:00.000Z',
      }),
      envelope('task.deleted', task.id, { task_id: task.id }),
    ]);
  });
});
