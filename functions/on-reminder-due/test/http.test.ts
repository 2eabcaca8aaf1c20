import { Writable } from 'node:stream';
import { createMetrics, type Metrics, reminderDueEvent, systemClock } from '@nudge/core';
import {
  createTestDatabase,
  type DeliveryMode,
  deliverBulk,
  deliverEvent,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type RegisteredServer,
  type SmtpSink,
  serveRegistered,
  startSmtpSink,
  type TestDatabase,
} from '@nudge/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consumer, createOnReminderDue } from '../src/handler.ts';
import { mailerFor } from './mailer-for.ts';

let database: TestDatabase;
let smtp: SmtpSink;
let server: RegisteredServer;
let url: string;
let metrics: Metrics;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink({ keepRaw: true });
  await insertUser(database.db, 'ann', 'ann@example.test');
  metrics = createMetrics(consumer);
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ base: { service: consumer } }, sink);
  server = await serveRegistered(
    consumer,
    createOnReminderDue({
      db: database.db,
      mailer: mailerFor(smtp.port),
      clock: systemClock,
      metrics,
      logger,
      claimMs: 30_000,
    }),
  );
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await smtp.stop();
  await database.drop();
});
beforeEach(() => {
  smtp.clear();
  logLines.length = 0;
});

async function dueReminder() {
  const task = await insertTaskRow(database.db, {
    user_id: 'ann',
    title: 'Call mum',
    due_at: new Date(Date.now() + 600_000),
  });
  const reminder = await insertReminderRow(database.db, {
    task_id: task.id,
    user_id: 'ann',
    remind_at: new Date(Date.now() - 1_000),
    dispatched_at: new Date(),
  });
  const { event } = reminderDueEvent(reminder, new Date());
  return { event, reminder };
}

describe.each<DeliveryMode>(['structured', 'binary'])('on-reminder-due over HTTP (%s mode)', (mode) => {
  it('sends the reminder email and answers Dapr with SUCCESS; a redelivery sends nothing more', async () => {
    const { event, reminder } = await dueReminder();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const first = await deliverEvent(`${url}/reminder-due`, event, mode, { topic: 'reminders', traceparent });
    expect(first).toEqual({ status: 200, body: { status: 'SUCCESS' } });
    const again = await deliverEvent(`${url}/reminder-due`, event, mode, { topic: 'reminders' });
    expect(again).toEqual({ status: 200, body: { status: 'SUCCESS' } });
    expect(smtp.messages.map((m) => m.messageId)).toEqual([`<reminder-${reminder.id}@nudge>`]);

    const handled = logLines.find((line) => line.msg === 'event handled' && line.event_id === event.id);
    expect(handled).toMatchObject({
      consumer,
      event_type: 'reminder.due',
      traceparent,
      outcome: 'success',
      service: consumer,
    });
  });

  it('dead-letters an event whose data breaks the reminder.due schema', async () => {
    const { event } = await dueReminder();
    const broken = { ...event, data: { ...event.data, payload: { reminder_id: 'not-a-uuid' } } };
    expect(await deliverEvent(`${url}/reminder-due`, broken, mode)).toEqual({
      status: 200,
      body: { status: 'DROP' },
    });
    expect(smtp.messages).toHaveLength(0);
    expect(logLines.find((line) => line.msg === 'event dead-lettered')).toMatchObject({
      event_id: event.id,
      reason: 'invalid_data',
    });
  });

  it('dead-letters an event of a type Nudge does not know', async () => {
    const { event } = await dueReminder();
    const unknown = { ...event, type: 'reminder.exploded' };
    expect(await deliverEvent(`${url}/reminder-due`, unknown, mode)).toEqual({
      status: 200,
      body: { status: 'DROP' },
    });
  });

  it('acknowledges, untouched, the other reminder events routed to /unhandled', async () => {
    const { event } = await dueReminder();
    const scheduled = {
      ...event,
      type: 'reminder.scheduled',
      data: { ...event.data, event_type: 'reminder.scheduled' },
    };
    expect(await deliverEvent(`${url}/unhandled`, scheduled, mode)).toEqual({
      status: 200,
      body: { status: 'SUCCESS' },
    });
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('the subscriber edge', () => {
  it('dead-letters a body that is not a CloudEvent, with a log line and a metric', async () => {
    const response = await fetch(`${url}/reminder-due`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', type: 'reminder.due' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'DROP' });
    expect(logLines.find((line) => line.msg === 'event dead-lettered')).toMatchObject({
      reason: 'malformed',
    });
    const dead = await metrics.registry.getSingleMetricAsString('events_dead_lettered_total');
    expect(dead).toMatch(/consumer="on-reminder-due",reason="malformed"/);
  });

  it('serves /healthz, /readyz and /metrics with the delivery counters', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /events_processed_total\{consumer="on-reminder-due",type="reminder.due",outcome="success"/,
    );
    expect(text).toMatch(
      /events_processed_total\{consumer="on-reminder-due",type="reminder.due",outcome="drop"/,
    );
    expect(text).toMatch(/reminders_sent_total\{service="on-reminder-due"\} 2/);
  });
});

describe('on-reminder-due bulk delivery', () => {
  it('sends a batch over the pool and answers per entry: a transient refusal retries only its own entry', async () => {
    const good = await Promise.all([dueReminder(), dueReminder(), dueReminder()]);
    const flaky = await dueReminder();
    const flakyId = `<reminder-${flaky.reminder.id}@nudge>`;
    const broken = {
      ...good[0]!.event,
      id: crypto.randomUUID(),
      data: { ...good[0]!.event.data, payload: {} },
    };
    smtp.setFaults({ transientOnce: new Set([flakyId]) });
    try {
      const events = [...good.map((g) => g.event), flaky.event, broken, good[1]!.event];
      const answer = await deliverBulk(`${url}/reminder-due`, events, { topic: 'reminders' });
      expect(answer).toEqual({
        status: 200,
        body: {
          statuses: [
            { entryId: 'e0', status: 'SUCCESS' },
            { entryId: 'e1', status: 'SUCCESS' },
            { entryId: 'e2', status: 'SUCCESS' },
            { entryId: 'e3', status: 'RETRY' },
            { entryId: 'e4', status: 'DROP' },
            // The same reminder twice in one batch: the copy waits for the first to finish.
            { entryId: 'e5', status: 'RETRY' },
          ],
        },
      });
      // Dapr redelivers only the entries answered RETRY.
      const retried = await deliverBulk(`${url}/reminder-due`, [flaky.event, good[1]!.event], {
        topic: 'reminders',
      });
      expect(retried.body).toEqual({
        statuses: [
          { entryId: 'e0', status: 'SUCCESS' },
          { entryId: 'e1', status: 'SUCCESS' },
        ],
      });
      expect([...smtp.accepted.keys()].sort()).toEqual(
        [...good.map((g) => `<reminder-${g.reminder.id}@nudge>`), flakyId].sort(),
      );
      expect(smtp.duplicates).toHaveLength(0);
      const rows = await database.db
        .selectFrom('reminders')
        .select(['status', 'attempts'])
        .where('id', 'in', [...good.map((g) => g.reminder.id), flaky.reminder.id])
        .execute();
      expect(rows.every((row) => row.status === 'sent')).toBe(true);
    } finally {
      smtp.setFaults({});
    }
  });
});
