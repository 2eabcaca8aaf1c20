import { manualClock } from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, outbox, startApi } from './harness.ts';

const clock = manualClock('2026-11-22T10:00:00.000Z');
let api: Api;
beforeAll(async () => {
  api = await startApi({ clock, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => api.close());
beforeEach(async () => {
  clock.set('2026-11-22T10:00:00.000Z');
  await api.db.deleteFrom('tasks').execute();
  await api.db.deleteFrom('outbox').execute();
});

const create = async (json: Record<string, unknown>, as = 'alice') =>
  (await api.call('POST', '/api/tasks', { as, json })).body;
const exportJson = async (as = 'alice') => (await api.call('GET', '/api/tasks/export', { as })).body;
const importJson = (json: unknown, as = 'alice') => api.call('POST', '/api/tasks/import', { as, json });

async function seed(as = 'alice') {
  const first = await create(
    {
      title: 'Weekly review',
      description: 'line one\nline two; with, punctuation',
      priority: 'high',
      tags: ['work'],
      due_at: '2026-11-23T09:00:00Z',
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'weekly' },
      reminders: [{ before: 'PT1H' }, { at: '2026-11-23T06:00:00Z' }],
    },
    as,
  );
  clock.advance(1_000);
  await api.call('POST', `/api/tasks/${first.id}/complete`, { as });
  clock.advance(1_000);
  const second = await create({ title: 'Plain', tags: [] }, as);
  return { first, second };
}

describe('GET /api/tasks/export', () => {
  it('exports every task of the user as JSON version 1, as an attachment', async () => {
    const { first, second } = await seed();
    const res = await api.call('GET', '/api/tasks/export?format=json', { as: 'alice' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="nudge-tasks.json"');
    expect(res.body.version).toBe(1);
    expect(res.body.exported_at).toBe('2026-11-22T10:00:02.000Z');
    expect(res.body.tasks.map((t: { id: string }) => t.id)).toEqual([first.id, second.id]);
    expect(res.body.tasks[0]).toMatchObject({ status: 'completed', series: { id: first.id, index: 1 } });
    expect(res.body.tasks[0].reminders).toHaveLength(2);
  });

  it('round-trips losslessly: import of the export restores the same ids, timestamps and reminders', async () => {
    await seed();
    const original = await exportJson();
    await api.db.deleteFrom('tasks').execute();
    clock.advance(3_600_000);
    const res = await importJson(original);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ imported: 2 });
    const again = await exportJson();
    expect(again.tasks).toEqual(original.tasks);
  });

  it('exports iCalendar with one VTODO per task, CRLF lines folded at 75 octets', async () => {
    await seed();
    await create({ title: `Long ${'é'.repeat(80)}`, due_at: '2026-12-01T12:00:00Z' });
    const res = await api.call('GET', '/api/tasks/export?format=ics', { as: 'alice' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = res.text;
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nudge//task-api//EN\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(ics.match(/BEGIN:VTODO/g)).toHaveLength(3);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:Weekly review\r\n');
    expect(unfolded).toContain('DESCRIPTION:line one\\nline two\\; with\\, punctuation\r\n');
    expect(unfolded).toContain('DUE;TZID=Europe/Berlin:20261123T100000\r\n');
    expect(unfolded).toContain('DUE:20261201T120000Z\r\n');
    expect(unfolded).toContain('PRIORITY:3\r\n');
    expect(unfolded).toContain('CATEGORIES:work\r\n');
    expect(unfolded).toContain('STATUS:COMPLETED\r\nCOMPLETED:20261122T100001Z\r\n');
    expect(unfolded).toContain('STATUS:NEEDS-ACTION\r\n');
    expect(unfolded).toContain('RRULE:FREQ=WEEKLY\r\n');
    expect(unfolded).toContain('TRIGGER;RELATED=END:-PT1H\r\n');
    expect(unfolded).toContain('TRIGGER;VALUE=DATE-TIME:20261123T060000Z\r\n');
    expect(unfolded).toContain(`SUMMARY:Long ${'é'.repeat(80)}\r\n`);
  });

  it('rejects an unknown format', async () => {
    const res = await api.call('GET', '/api/tasks/export?format=csv', { as: 'alice' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('format');
  });
});

describe('POST /api/tasks/import', () => {
  it('importing the same file twice creates nothing the second time', async () => {
    await seed();
    const file = await exportJson();
    await api.db.deleteFrom('tasks').execute();
    expect((await importJson(file)).body).toEqual({ imported: 2 });
    expect((await importJson(file)).body).toEqual({ imported: 0 });
    expect((await exportJson()).tasks).toHaveLength(2);
  });

  it("importing another user's export gives new ids and never touches that user's tasks", async () => {
    await seed('bob');
    const bobs = await exportJson('bob');
    await api.db.deleteFrom('outbox').execute();
    const res = await importJson(bobs, 'alice');
    expect(res.body).toEqual({ imported: 2 });
    const alices = (await exportJson('alice')).tasks;
    expect(alices.map((t: { title: string }) => t.title)).toEqual(['Weekly review', 'Plain']);
    for (const task of alices) expect(bobs.tasks.map((t: { id: string }) => t.id)).not.toContain(task.id);
    const rows = await api.db
      .selectFrom('tasks')
      .select(['id', 'import_source_id'])
      .where('user_id', '=', 'alice')
      .execute();
    expect(rows.map((r) => r.import_source_id).sort()).toEqual(
      bobs.tasks.map((t: { id: string }) => t.id).sort(),
    );
    expect((await exportJson('bob')).tasks).toEqual(bobs.tasks);
    // Imported reminders got new ids too; bob's are still his.
    const bobReminderIds = bobs.tasks.flatMap((t: any) => t.reminders.map((r: any) => r.id));
    for (const task of alices) for (const r of task.reminders) expect(bobReminderIds).not.toContain(r.id);
    expect((await importJson(bobs, 'alice')).body).toEqual({ imported: 0 });
    const events = await outbox(api.db);
    expect(events.every((e) => e.user_id === 'alice')).toBe(true);
    expect(events.filter((e) => e.event_type === 'task.created')).toHaveLength(2);
  });

  it('skips a reminder that is still pending in the file but already past, announcing only future ones', async () => {
    const task = await create({
      title: 'r',
      reminders: [{ at: '2026-11-25T09:00:00Z' }, { at: '2026-11-30T09:00:00Z' }],
    });
    const file = await exportJson();
    await api.db.deleteFrom('tasks').execute();
    await api.db.deleteFrom('outbox').execute();
    clock.set('2026-11-27T00:00:00.000Z');
    await importJson(file);
    const [restored] = (await exportJson()).tasks;
    expect(restored.id).toBe(task.id);
    expect(restored.reminders.map((r: { status: string }) => r.status)).toEqual(['skipped', 'pending']);
    const scheduled = (await outbox(api.db)).filter((e) => e.event_type === 'reminder.scheduled');
    expect(scheduled.map((e) => e.event.data.payload.remind_at)).toEqual(['2026-11-30T09:00:00.000Z']);
  });

  it('keeps the chain of a series (parent_task_id) inside the import', async () => {
    const parent = await create(
      { title: 'p', due_at: '2026-11-23T09:00:00Z', recurrence: { rule: 'daily' } },
      'bob',
    );
    const file = await exportJson('bob');
    const childId = '5f0c1f8e-8f5b-4a8e-9d55-3d3c1f2b0a11';
    file.tasks.push({ ...file.tasks[0], id: childId, parent_task_id: parent.id, reminders: [] });
    await importJson(file, 'alice');
    const alices = (await exportJson('alice')).tasks;
    const newParent = alices.find((t: any) => t.parent_task_id === null);
    const child = alices.find((t: any) => t.parent_task_id !== null);
    expect(child.parent_task_id).toBe(newParent.id);
    expect(child.id).toBe(childId); // unused id: kept
  });

  it.each([
    ['a task without title', (f: any) => delete f.tasks[1].title, 'tasks.1.title'],
    ['an unknown version', (f: any) => (f.version = 2), 'version'],
    ['a bad zone', (f: any) => (f.tasks[0].timezone = 'Nowhere/Land'), 'tasks.0.timezone'],
    ['a bad rule', (f: any) => (f.tasks[0].recurrence.rule = 'FREQ=SECONDLY'), 'tasks.0.recurrence.rule'],
    ['a duplicate id', (f: any) => (f.tasks[1].id = f.tasks[0].id), 'tasks.1.id'],
    ['completed without completed_at', (f: any) => (f.tasks[0].completed_at = null), 'tasks.0.completed_at'],
  ])('rejects a file with %s, naming the field and writing nothing', async (_, spoil, path) => {
    await seed();
    const file = await exportJson();
    await api.db.deleteFrom('tasks').execute();
    await api.db.deleteFrom('outbox').execute();
    spoil(file);
    const res = await importJson(file);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path, message: expect.any(String) });
    expect(await api.db.selectFrom('tasks').select('id').execute()).toEqual([]);
    expect(await outbox(api.db)).toEqual([]);
  });
});
