// Late-set reminders: cron-scan hears reminder.scheduled / reminder.cancelled on the reminders
// topic and holds a reminder due within its lookahead at once, instead of at the next scan.
import {
  buildEvent,
  createLogger,
  createMetrics,
  type Db,
  type EventType,
  type NudgeCloudEvent,
  type ReminderRow,
  sources,
  systemClock,
} from '@nudge/core';
import {
  createTestDatabase,
  deliverEvent,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type RegisteredServer,
  relayToSidecar,
  serveRegistered,
  startTestSidecar,
  type TestDatabase,
  type TestSidecar,
} from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCronScanApp } from '../src/handler.ts';
import { createHeldReminders, type HeldReminders } from '../src/held-reminders.ts';

let database: TestDatabase;
let db: Db;
let sidecar: TestSidecar;
let server: RegisteredServer;
let held: HeldReminders;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  sidecar = await startTestSidecar();
  await insertUser(db, 'ann');
  const metrics = createMetrics('cron-scan');
  const logger = createLogger('cron-scan', 'silent');
  const relay = relayToSidecar(sidecar, { db, metrics, logger, clock: systemClock });
  held = createHeldReminders({ db, relay, clock: systemClock, metrics, logger });
  const settings = {
    lookaheadMs: 35_000,
    leaseGraceMs: 10_000,
    batchSize: 100,
    changeRetentionMs: 30 * 86_400_000,
  };
  server = await serveRegistered(
    'cron-scan',
    createCronScanApp({ db, relay, held, clock: systemClock, metrics, logger, settings }),
  );
});
afterAll(async () => {
  await held.close();
  await server.close();
  await sidecar.close();
  await database.drop();
});
beforeEach(() => {
  sidecar.events.length = 0;
});

async function reminderAt(remindAt: Date): Promise<ReminderRow> {
  const task = await insertTaskRow(db, { user_id: 'ann', due_at: new Date(remindAt.getTime() + 3_600_000) });
  return insertReminderRow(db, { task_id: task.id, user_id: 'ann', remind_at: remindAt });
}

function reminderEvent(type: EventType, reminder: ReminderRow): NudgeCloudEvent {
  return buildEvent({
    type,
    source: sources.taskApi,
    userId: 'ann',
    subject: reminder.task_id,
    time: new Date(),
    payload: {
      task_id: reminder.task_id,
      reminder_id: reminder.id,
      remind_at: reminder.remind_at.toISOString(),
    },
  }).event;
}

const deliver = (path: string, event: NudgeCloudEvent) =>
  deliverEvent(`${server.url}${path}`, event, 'structured', { topic: 'reminders' });

const leaseOf = async (id: string) =>
  await db
    .selectFrom('reminders')
    .select(['lease_until', 'dispatched_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const dueFor = (id: string) =>
  sidecar.events.filter(
    (e) =>
      e.event.type === 'reminder.due' &&
      (e.event as unknown as NudgeCloudEvent<{ reminder_id: string }>).data.payload.reminder_id === id,
  );

describe('late-set reminders', () => {
  it('holds a reminder set 2 s ahead at once and publishes reminder.due at its time, not at the next scan', async () => {
    const reminder = await reminderAt(new Date(Date.now() + 2_000));
    const answer = await deliver('/reminder-scheduled', reminderEvent('reminder.scheduled', reminder));
    expect(answer).toEqual({ status: 200, body: { status: 'SUCCESS' } });
    // Leased under the scan's rule: until its time plus the grace.
    expect((await leaseOf(reminder.id)).lease_until?.getTime()).toBe(reminder.remind_at.getTime() + 10_000);

    await expect.poll(() => dueFor(reminder.id).length, { timeout: 5_000, interval: 20 }).toBe(1);
    const late = Date.now() - reminder.remind_at.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1_000);
    expect((await leaseOf(reminder.id)).dispatched_at).not.toBeNull();
  });

  it('a redelivered reminder.scheduled holds nothing twice', async () => {
    const reminder = await reminderAt(new Date(Date.now() + 1_000));
    const event = reminderEvent('reminder.scheduled', reminder);
    await deliver('/reminder-scheduled', event);
    await deliver('/reminder-scheduled', event);
    await expect.poll(() => dueFor(reminder.id).length, { timeout: 5_000, interval: 20 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dueFor(reminder.id)).toHaveLength(1);
  });

  it('leaves a reminder beyond the lookahead, or leased by a scan already, to that scan', async () => {
    const far = await reminderAt(new Date(Date.now() + 120_000));
    expect((await deliver('/reminder-scheduled', reminderEvent('reminder.scheduled', far))).body).toEqual({
      status: 'SUCCESS',
    });
    expect((await leaseOf(far.id)).lease_until).toBeNull();

    const taken = await reminderAt(new Date(Date.now() + 5_000));
    const theirs = new Date(taken.remind_at.getTime() + 10_000);
    await db.updateTable('reminders').set({ lease_until: theirs }).where('id', '=', taken.id).execute();
    const sizeBefore = held.size;
    await deliver('/reminder-scheduled', reminderEvent('reminder.scheduled', taken));
    expect(held.size).toBe(sizeBefore);
    expect((await leaseOf(taken.id)).lease_until?.getTime()).toBe(theirs.getTime());
  });

  it('on reminder.cancelled stops the held timer and gives the lease back', async () => {
    const reminder = await reminderAt(new Date(Date.now() + 1_500));
    await deliver('/reminder-scheduled', reminderEvent('reminder.scheduled', reminder));
    expect((await leaseOf(reminder.id)).lease_until).not.toBeNull();
    const answer = await deliver('/reminder-cancelled', reminderEvent('reminder.cancelled', reminder));
    expect(answer.body).toEqual({ status: 'SUCCESS' });
    expect((await leaseOf(reminder.id)).lease_until).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(dueFor(reminder.id)).toHaveLength(0);
  });
});
