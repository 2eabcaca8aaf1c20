import { createServer } from 'node:net';
import {
  createLogger,
  createMetrics,
  type Db,
  type IncomingEvent,
  type Metrics,
  type ReminderDuePayload,
  type ReminderRow,
  reminderDueEvent,
  systemClock,
} from '@nudge/core';
import {
  createTestDatabase,
  freePort,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type SmtpSink,
  startSmtpSink,
  type TestDatabase,
} from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleReminderDue, type ReminderDueDeps } from '../src/handler.ts';
import { mailerFor } from './mailer-for.ts';

let database: TestDatabase;
let db: Db;
let smtp: SmtpSink;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  smtp = await startSmtpSink({ keepRaw: true });
  await insertUser(db, 'ann', 'ann@example.test');
  await insertUser(db, 'nomail', null);
});
afterAll(async () => {
  await smtp.stop();
  await database.drop();
});
beforeEach(() => {
  smtp.clear();
  smtp.setFaults({});
});

function deps(options: { smtpPort?: number; metrics?: Metrics; timeoutMs?: number } = {}): ReminderDueDeps {
  return {
    db,
    mailer: mailerFor(options.smtpPort ?? smtp.port, options.timeoutMs),
    clock: systemClock,
    metrics: options.metrics ?? createMetrics('on-reminder-due'),
    logger: createLogger('on-reminder-due', 'silent'),
    claimMs: 30_000,
  };
}

async function dueReminder(options: { user?: string; title?: string } = {}) {
  const user = options.user ?? 'ann';
  const task = await insertTaskRow(db, {
    user_id: user,
    title: options.title ?? 'Pay rent',
    due_at: new Date('2026-11-23T08:00:00Z'),
    timezone: 'Europe/Berlin',
  });
  return insertReminderRow(db, {
    task_id: task.id,
    user_id: user,
    remind_at: new Date(Date.now() - 2_000),
    dispatched_at: new Date(),
  });
}

function dueEvent(reminder: ReminderRow): IncomingEvent<ReminderDuePayload> {
  const { event } = reminderDueEvent(reminder, new Date());
  return { ...event, traceparent: undefined, data: event.data };
}

const reminderRow = (id: string) =>
  db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('on-reminder-due handler', () => {
  it('sends one email with a deterministic Message-ID and marks the reminder sent', async () => {
    const reminder = await dueReminder();
    const metrics = createMetrics('on-reminder-due');
    const event = dueEvent(reminder);
    expect(await handleReminderDue(event, deps({ metrics }))).toEqual({ status: 'SUCCESS' });

    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail?.messageId).toBe(`<reminder-${reminder.id}@nudge>`);
    expect(mail?.to).toEqual(['ann@example.test']);
    expect(mail?.subject).toMatch(/Pay rent/);
    expect(mail?.raw).toMatch(/Mon, 23 Nov 2026, 09:00/); // 08:00 UTC is 09:00 in Berlin
    const row = await reminderRow(reminder.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, send_claim_until: null });
    expect(row.sent_at!.getTime()).toBeGreaterThanOrEqual(row.remind_at.getTime());
    expect(await metrics.registry.getSingleMetricAsString('reminders_sent_total')).toMatch(/ 1$/m);
    expect(await metrics.registry.getSingleMetricAsString('reminder_delivery_latency_seconds')).toMatch(
      /reminder_delivery_latency_seconds_count\{service="on-reminder-due"\} 1/,
    );

    // The same event again (Dapr redelivers at least once): acknowledged, no second email.
    expect(await handleReminderDue(event, deps())).toEqual({
      status: 'SUCCESS',
      note: 'reminder already sent',
    });
    expect(smtp.messages).toHaveLength(1);
  });

  it('retries while the SMTP server is down and delivers exactly once when it is back', async () => {
    const reminder = await dueReminder();
    const port = await freePort();
    const event = dueEvent(reminder);
    const first = await handleReminderDue(event, deps({ smtpPort: port }));
    expect(first.status).toBe('RETRY');
    expect(await reminderRow(reminder.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      send_claim_until: null,
    });
    expect((await reminderRow(reminder.id)).last_error).toMatch(/ECONNREFUSED|ECONNECTION/);

    const revived = await startSmtpSink({ port });
    try {
      expect(await handleReminderDue(event, deps({ smtpPort: port }))).toEqual({ status: 'SUCCESS' });
      expect(await handleReminderDue(event, deps({ smtpPort: port }))).toMatchObject({ status: 'SUCCESS' });
      expect(revived.messages.map((m) => m.messageId)).toEqual([`<reminder-${reminder.id}@nudge>`]);
      expect(await reminderRow(reminder.id)).toMatchObject({ status: 'sent', attempts: 2 });
    } finally {
      await revived.stop();
    }
  });

  it('notices an SMTP server that never answers within its timeout and retries', async () => {
    const silent = createServer(() => {}); // accepts the connection, never greets
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const reminder = await dueReminder();
      const started = Date.now();
      const outcome = await handleReminderDue(dueEvent(reminder), deps({ smtpPort: port, timeoutMs: 300 }));
      expect(outcome.status).toBe('RETRY');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('marks the reminder failed and dead-letters when the server refuses it permanently (5xx)', async () => {
    const reminder = await dueReminder();
    smtp.setFaults({ permanentRate: 1 });
    const metrics = createMetrics('on-reminder-due');
    expect(await handleReminderDue(dueEvent(reminder), deps({ metrics }))).toEqual({
      status: 'DROP',
      reason: 'smtp_rejected',
    });
    const row = await reminderRow(reminder.id);
    expect(row.status).toBe('failed');
    expect(row.last_error).toMatch(/550/);
    expect(smtp.messages).toHaveLength(0);
    expect(await metrics.registry.getSingleMetricAsString('reminders_failed_total')).toMatch(/ 1$/m);
  });

  it('retries a temporary refusal (4xx) and keeps the reminder pending', async () => {
    const reminder = await dueReminder();
    smtp.setFaults({ transientRate: 1 });
    expect((await handleReminderDue(dueEvent(reminder), deps())).status).toBe('RETRY');
    expect((await reminderRow(reminder.id)).status).toBe('pending');
  });

  it('acknowledges without mail a reminder that was cancelled, whose task was completed or deleted, or whose user has no email', async () => {
    const cancelled = await dueReminder();
    await db.updateTable('reminders').set({ status: 'cancelled' }).where('id', '=', cancelled.id).execute();
    const completed = await dueReminder();
    await db
      .updateTable('tasks')
      .set({ status: 'completed', completed_at: new Date() })
      .where('id', '=', completed.task_id)
      .execute();
    const deleted = await dueReminder();
    await db.deleteFrom('tasks').where('id', '=', deleted.task_id).execute();
    const noEmail = await dueReminder({ user: 'nomail' });

    expect(await handleReminderDue(dueEvent(cancelled), deps())).toMatchObject({ status: 'SUCCESS' });
    expect(await handleReminderDue(dueEvent(completed), deps())).toMatchObject({ status: 'SUCCESS' });
    expect(await handleReminderDue(dueEvent(deleted), deps())).toMatchObject({ status: 'SUCCESS' });
    expect(await handleReminderDue(dueEvent(noEmail), deps())).toMatchObject({ status: 'SUCCESS' });

    expect(smtp.messages).toHaveLength(0);
    expect((await reminderRow(cancelled.id)).status).toBe('cancelled');
    expect((await reminderRow(completed.id)).status).toBe('skipped');
    expect(await reminderRow(noEmail.id)).toMatchObject({ status: 'skipped', last_error: 'no_email' });
  });

  it('does not send early when the reminder was moved later after its event was written', async () => {
    const reminder = await dueReminder();
    const event = dueEvent(reminder);
    await db
      .updateTable('reminders')
      .set({ remind_at: new Date(Date.now() + 3_600_000) })
      .where('id', '=', reminder.id)
      .execute();
    expect(await handleReminderDue(event, deps())).toMatchObject({ status: 'SUCCESS' });
    expect(smtp.messages).toHaveLength(0);
    expect((await reminderRow(reminder.id)).status).toBe('pending');
  });

  it('sends one email when the same reminder is delivered several times at once', async () => {
    const reminder = await dueReminder();
    const event = dueEvent(reminder);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => handleReminderDue(event, deps())));
    expect(outcomes.filter((o) => o.status === 'SUCCESS').length).toBeGreaterThanOrEqual(1);
    expect(outcomes.every((o) => o.status === 'SUCCESS' || o.status === 'RETRY')).toBe(true);
    expect(smtp.messages).toHaveLength(1);
  });
});
