import {
  type Clock,
  createLogger,
  createMetrics,
  type Db,
  type Metrics,
  type NudgeCloudEvent,
  systemClock,
} from '@nudge/core';
import {
  createTestDatabase,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  manualClock,
  relayToSidecar,
  startTestSidecar,
  type TestDatabase,
  type TestSidecar,
} from '@nudge/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHeldReminders, type HeldReminders } from '../src/held-reminders.ts';
import { type ScanDeps, scan } from '../src/scan.ts';

let database: TestDatabase;
let db: Db;
let sidecar: TestSidecar;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  sidecar = await startTestSidecar();
  await insertUser(db, 'ann');
});
afterAll(async () => {
  await sidecar.close();
  await database.drop();
});
beforeEach(async () => {
  await db.deleteFrom('tasks').execute();
  await db.deleteFrom('outbox').execute();
  sidecar.requests.length = 0;
  sidecar.accepted.length = 0;
  sidecar.events.length = 0;
  sidecar.respondWith(204);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const logger = createLogger('cron-scan-test', 'silent');

function deps(options: { clock?: Clock; held?: HeldReminders; metrics?: Metrics } = {}): ScanDeps {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics('cron-scan');
  const relay = relayToSidecar(sidecar, { db, metrics, logger, clock });
  const held = options.held ?? createHeldReminders({ db, relay, clock, metrics, logger });
  cleanups.push(() => held.close());
  return {
    db,
    relay,
    held,
    clock,
    metrics,
    logger,
    settings: {
      lookaheadMs: 35_000,
      leaseGraceMs: 10_000,
      batchSize: 50,
      changeRetentionMs: 30 * 86_400_000,
    },
  };
}

/** A held-reminders stand-in for a process that crashed right after leasing: timers never fire. */
const crashedHolder: HeldReminders = {
  hold: (reminders) => reminders.length,
  release: async () => false,
  size: 0,
  close: async () => {},
};

const at = (ms: number) => new Date(Date.now() + ms);

async function reminderDue(remindAt: Date, task: { status?: 'open' | 'completed' } = {}) {
  const row = await insertTaskRow(db, {
    user_id: 'ann',
    due_at: new Date(remindAt.getTime() + 3_600_000),
    status: task.status ?? 'open',
  });
  return insertReminderRow(db, { task_id: row.id, user_id: 'ann', remind_at: remindAt });
}

const dueEvents = () =>
  sidecar.events
    .map(({ event }) => event as unknown as NudgeCloudEvent<{ reminder_id: string }>)
    .filter((event) => event.type === 'reminder.due');

describe('cron-scan', () => {
  it('dispatches a due reminder as one reminder.due event and relays it', async () => {
    const reminder = await reminderDue(at(-5_000));
    const summary = await scan(deps());

    expect(summary).toMatchObject({ claimed: 1, dispatched: 1, scheduled: 0, relayed: 1, outbox_pending: 0 });
    const [event] = dueEvents();
    expect(event).toMatchObject({
      type: 'reminder.due',
      source: '/nudge/cron-scan',
      subject: reminder.task_id,
      partitionkey: 'ann',
      data: {
        event_type: 'reminder.due',
        user_id: 'ann',
        payload: {
          task_id: reminder.task_id,
          reminder_id: reminder.id,
          reminder_time: reminder.remind_at.toISOString(),
        },
      },
    });
    expect(sidecar.events.map((e) => [e.topic, e.key])).toEqual([['reminders', 'ann']]);
    const row = await db
      .selectFrom('reminders')
      .selectAll()
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    expect(row.dispatched_at).not.toBeNull();
    expect(row.status).toBe('pending'); // on-reminder-due marks it sent
    expect((await scan(deps())).dispatched).toBe(0);
  });

  it('dispatches reminders missed while everything was down, oldest first', async () => {
    const old = await reminderDue(at(-3 * 3_600_000));
    const older = await reminderDue(at(-26 * 3_600_000));
    const summary = await scan(deps());
    expect(summary.dispatched).toBe(2);
    expect(dueEvents().map((e) => e.data.payload.reminder_id)).toEqual([older.id, old.id]);
  });

  it('never dispatches reminders of completed tasks, nor cancelled, sent or failed ones', async () => {
    await reminderDue(at(-1_000), { status: 'completed' });
    for (const status of ['cancelled', 'sent', 'failed', 'skipped'] as const) {
      const reminder = await reminderDue(at(-1_000));
      await db.updateTable('reminders').set({ status }).where('id', '=', reminder.id).execute();
    }
    const deletedTask = await reminderDue(at(-1_000));
    await db.deleteFrom('tasks').where('id', '=', deletedTask.task_id).execute();

    const summary = await scan(deps());
    expect(summary.claimed).toBe(0);
    expect(dueEvents()).toHaveLength(0);
  });

  it('dispatches each reminder exactly once when several scans run at the same time', async () => {
    const reminders = [];
    for (let i = 0; i < 120; i += 1) reminders.push(await reminderDue(at(-60_000 + i)));
    const summaries = await Promise.all(Array.from({ length: 5 }, () => scan(deps())));

    expect(summaries.reduce((sum, s) => sum + s.dispatched, 0)).toBe(120);
    const outboxRows = await db.selectFrom('outbox').select('cloud_event').execute();
    const ids = outboxRows.map(
      (row) =>
        (row.cloud_event as unknown as NudgeCloudEvent<{ reminder_id: string }>).data.payload.reminder_id,
    );
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    // A scan's relay pass skips users another scan's relay is publishing, so the last events can
    // reach the sidecar just after the scans return: wait for all, then check none came twice.
    await expect
      .poll(() => new Set(dueEvents().map((e) => e.data.payload.reminder_id)).size, { timeout: 10_000 })
      .toBe(120);
    expect(dueEvents()).toHaveLength(120);
  });

  it('sends a reminder due before the next scan at its own time, not at the next scan', async () => {
    const reminder = await reminderDue(at(1_500));
    const summary = await scan(deps());
    expect(summary).toMatchObject({ claimed: 1, dispatched: 0, scheduled: 1, held: 1 });
    const leased = await db
      .selectFrom('reminders')
      .selectAll()
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    expect(leased.lease_until?.getTime()).toBe(reminder.remind_at.getTime() + 10_000);

    await expect.poll(() => dueEvents().length, { timeout: 4_000, interval: 20 }).toBe(1);
    const lateness = Date.now() - reminder.remind_at.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1_000);
    const row = await db
      .selectFrom('reminders')
      .selectAll()
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    expect(row.dispatched_at!.getTime()).toBeGreaterThanOrEqual(reminder.remind_at.getTime());
    expect(row.lease_until).toBeNull();
  });

  it('dispatches reminders held for the same instant together, not one transaction each, each once', async () => {
    const dueAt = at(1_200);
    const reminders = [];
    for (let i = 0; i < 30; i += 1) reminders.push(await reminderDue(dueAt));
    expect((await scan(deps())).scheduled).toBe(30);

    await expect.poll(() => dueEvents().length, { timeout: 5_000, interval: 20 }).toBe(30);
    expect(new Set(dueEvents().map((e) => e.data.payload.reminder_id))).toEqual(
      new Set(reminders.map((r) => r.id)),
    );
    // Rows written by one transaction share its start time: a burst takes a transaction or two, not 30.
    const rows = await db
      .selectFrom('outbox')
      .select('created_at')
      .where('event_type', '=', 'reminder.due')
      .execute();
    expect(new Set(rows.map((row) => row.created_at.getTime())).size).toBeLessThanOrEqual(2);
  });

  it('claims a burst of overdue reminders larger than 20 batches in one scan, each once', async () => {
    // batchSize is 50 here: 1,100 reminders are 22 batches, beyond the old 20-batch cap per scan.
    await sql`with t as (
        insert into tasks (user_id, title, due_at)
        select 'ann', 'burst ' || n, now() + interval '1 hour' from generate_series(1, 1100) as n
        returning id)
      insert into reminders (task_id, user_id, remind_at) select id, 'ann', now() - interval '1 minute' from t`.execute(
      db,
    );
    expect((await scan(deps())).dispatched).toBe(1_100);
    const { rows } = await sql<{ n: number }>`
      select count(distinct cloud_event->'data'->'payload'->>'reminder_id')::int as n
      from outbox where event_type = 'reminder.due'`.execute(db);
    expect(rows[0]!.n).toBe(1_100);
  });

  it('leaves a held reminder to other scans while the lease lasts, then takes it over', async () => {
    const reminder = await reminderDue(at(2_000));
    const clock = manualClock();
    const crashed = await scan(deps({ clock, held: crashedHolder }));
    expect(crashed.scheduled).toBe(1);

    clock.set(new Date(reminder.remind_at.getTime() + 5_000)); // due, but the lease (due + 10 s) still holds
    expect((await scan(deps({ clock }))).claimed).toBe(0);

    clock.set(new Date(reminder.remind_at.getTime() + 10_001));
    const takeover = await scan(deps({ clock }));
    expect(takeover).toMatchObject({ claimed: 1, dispatched: 1 });
    expect(dueEvents().map((e) => e.data.payload.reminder_id)).toEqual([reminder.id]);
  });

  it('does not dispatch a held reminder whose task was completed before its time', async () => {
    const reminder = await reminderDue(at(800));
    expect((await scan(deps())).scheduled).toBe(1);
    await db
      .updateTable('tasks')
      .set({ status: 'completed', completed_at: new Date() })
      .where('id', '=', reminder.task_id)
      .execute();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(dueEvents()).toHaveLength(0);
    const row = await db
      .selectFrom('reminders')
      .selectAll()
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    expect(row.dispatched_at).toBeNull();
  });

  it('dispatches a reminder again when a task edit moved it later after it was dispatched', async () => {
    const reminder = await reminderDue(at(-1_000));
    const clock = manualClock();
    expect((await scan(deps({ clock, held: crashedHolder }))).dispatched).toBe(1);
    // task-api moves a relative reminder with the due date and leaves dispatched_at as it was.
    await db
      .updateTable('reminders')
      .set({ remind_at: new Date(clock.now().getTime() + 60_000) })
      .where('id', '=', reminder.id)
      .execute();
    expect((await scan(deps({ clock, held: crashedHolder }))).claimed).toBe(0);
    clock.advance(61_000);
    expect((await scan(deps({ clock, held: crashedHolder }))).dispatched).toBe(1);
    expect((await scan(deps({ clock, held: crashedHolder }))).dispatched).toBe(0);
    expect(dueEvents().map((e) => e.data.payload.reminder_id)).toEqual([reminder.id, reminder.id]);
  });

  it('keeps dispatched reminders in the outbox when the sidecar is down and relays them on a later scan', async () => {
    await reminderDue(at(-1_000));
    sidecar.respondWith(500);
    const clock = manualClock();
    const first = await scan(deps({ clock }));
    expect(first).toMatchObject({ dispatched: 1, relayed: 0, relay_failed: 1, outbox_pending: 1 });

    sidecar.respondWith(204);
    clock.advance(30_000);
    const second = await scan(deps({ clock }));
    expect(second).toMatchObject({ dispatched: 0, relayed: 1, outbox_pending: 0 });
    expect(dueEvents()).toHaveLength(1);
  });

  it('purges change-feed tombstones past the retention, and only those', async () => {
    const old = await insertTaskRow(db, { user_id: 'ann', title: 'deleted long ago' });
    const recent = await insertTaskRow(db, { user_id: 'ann', title: 'deleted today' });
    await db.deleteFrom('tasks').where('id', 'in', [old.id, recent.id]).execute();
    await db
      .updateTable('task_changes')
      .set({ deleted_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('task_id', '=', old.id)
      .execute();
    const summary = await scan(deps());
    // Every other tombstone here is from today (each test starts by deleting the tasks).
    expect(summary.tombstones_purged).toBe(1);
    const left = await db
      .selectFrom('task_changes')
      .select('task_id')
      .where('task_id', 'in', [old.id, recent.id])
      .execute();
    expect(left.map((row) => row.task_id)).toEqual([recent.id]);
  });
});
