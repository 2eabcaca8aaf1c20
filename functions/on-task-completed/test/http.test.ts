import {
  completeTask,
  createLogger,
  createMetrics,
  createTask,
  createTaskSchema,
  type NudgeCloudEvent,
  type OutboxRelay,
  systemClock,
} from '@nudge/core';
import {
  createTestDatabase,
  type DeliveryMode,
  deliverBulk,
  deliverEvent,
  insertUser,
  type RegisteredServer,
  relayToSidecar,
  serveRegistered,
  startTestSidecar,
  type TestDatabase,
  type TestSidecar,
} from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumer, createOnTaskCompleted } from '../src/handler.ts';

let database: TestDatabase;
let sidecar: TestSidecar;
let server: RegisteredServer;
let url: string;
let relay: OutboxRelay;

beforeAll(async () => {
  database = await createTestDatabase();
  sidecar = await startTestSidecar();
  await insertUser(database.db, 'ann');
  const metrics = createMetrics(consumer);
  const logger = createLogger(consumer, 'silent');
  relay = relayToSidecar(sidecar, { db: database.db, metrics, logger, clock: systemClock });
  server = await serveRegistered(
    consumer,
    createOnTaskCompleted({ db: database.db, relay, clock: systemClock, metrics, logger }),
  );
  url = server.url;
});
afterAll(async () => {
  await relay.idle();
  await server.close();
  await sidecar.close();
  await database.drop();
});

async function completedEvent(rule: string) {
  const input = createTaskSchema.parse({
    title: 'Water the plants',
    due_at: '2026-12-01T09:00:00Z',
    timezone: 'America/New_York',
    recurrence: { rule },
    reminders: [{ before: 'PT30M' }],
  });
  const task = await createTask(database.db, 'ann', input, new Date());
  await completeTask(database.db, 'ann', task.id, new Date('2026-12-01T15:00:00Z'));
  const row = await database.db
    .selectFrom('outbox')
    .select('cloud_event')
    .where('event_type', '=', 'task.completed')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { task, event: row.cloud_event as unknown as NudgeCloudEvent };
}

describe.each<DeliveryMode>(['structured', 'binary'])('on-task-completed over HTTP (%s mode)', (mode) => {
  it('rolls the series forward once and publishes the new task’s events with the user as partition key', async () => {
    const { task, event } = await completedEvent('daily');
    expect(await deliverEvent(`${url}/task-completed`, event, mode)).toEqual({
      status: 200,
      body: { status: 'SUCCESS' },
    });
    expect(await deliverEvent(`${url}/task-completed`, event, mode)).toEqual({
      status: 200,
      body: { status: 'SUCCESS' },
    });
    const children = await database.db
      .selectFrom('tasks')
      .selectAll()
      .where('parent_task_id', '=', task.id)
      .execute();
    expect(children).toHaveLength(1);
    expect(children[0]?.due_at?.toISOString()).toBe('2026-12-02T09:00:00.000Z');

    await relay.idle();
    const published = sidecar.events
      .map(({ topic, key, event }) => ({ topic, key, event: event as unknown as NudgeCloudEvent }))
      .filter(
        ({ event: e }) =>
          e.source === '/nudge/on-task-completed' && e.data.payload.task_id === children[0]?.id,
      );
    expect(published.map(({ event: e }) => e.type)).toEqual([
      'task.created',
      'reminder.scheduled',
      'task.recurrence',
    ]);
    expect(published.map(({ topic, key }) => [topic, key])).toEqual([
      ['task-events', 'ann'],
      ['reminders', 'ann'],
      ['task-events', 'ann'],
    ]);
  });

  it('answers the sidecar’s startup questions (GET /dapr/subscribe, /dapr/config) with 404', async () => {
    expect((await fetch(`${url}/dapr/subscribe`)).status).toBe(404);
    expect((await fetch(`${url}/dapr/config`)).status).toBe(404);
  });

  it('acknowledges the other task events routed to /unhandled without acting', async () => {
    const { event } = await completedEvent('daily');
    const created = { ...event, type: 'task.created', data: { ...event.data, event_type: 'task.created' } };
    expect(await deliverEvent(`${url}/unhandled`, created, mode)).toEqual({
      status: 200,
      body: { status: 'SUCCESS' },
    });
  });

  it('dead-letters a task.completed whose rule cannot be parsed', async () => {
    const { event } = await completedEvent('daily');
    const payload = {
      ...(event.data.payload as Record<string, unknown>),
      recurrence: { rule: 'banana', from: 'due' },
    };
    const broken = { ...event, data: { ...event.data, payload } };
    expect(await deliverEvent(`${url}/task-completed`, broken, mode)).toEqual({
      status: 200,
      body: { status: 'DROP' },
    });
  });
});

describe('on-task-completed bulk delivery', () => {
  it('rolls every completion of a batch forward and answers one status per entry; a poison entry is dropped alone', async () => {
    const first = await completedEvent('daily');
    const second = await completedEvent('weekly');
    const poison = await completedEvent('daily');
    const broken = {
      ...poison.event,
      data: {
        ...poison.event.data,
        payload: {
          ...(poison.event.data.payload as Record<string, unknown>),
          recurrence: { rule: 'banana', from: 'due' },
        },
      },
    };
    const other = { ...first.event, id: crypto.randomUUID(), type: 'task.created' };
    const answer = await deliverBulk(`${url}/task-completed`, [
      first.event,
      broken,
      second.event,
      first.event,
      other,
    ]);
    expect(answer).toEqual({
      status: 200,
      body: {
        statuses: [
          { entryId: 'e0', status: 'SUCCESS' },
          { entryId: 'e1', status: 'DROP' },
          { entryId: 'e2', status: 'SUCCESS' },
          { entryId: 'e3', status: 'SUCCESS' },
          // Another type of the topic: acknowledged untouched.
          { entryId: 'e4', status: 'SUCCESS' },
        ],
      },
    });
    const children = async (parent: string) =>
      database.db.selectFrom('tasks').select('id').where('parent_task_id', '=', parent).execute();
    expect(await children(first.task.id)).toHaveLength(1);
    expect(await children(second.task.id)).toHaveLength(1);
    expect(await children(poison.task.id)).toHaveLength(0);
    // The dropped completion left no dedupe row behind; the good ones did.
    const recorded = await database.db
      .selectFrom('processed_events')
      .select('event_id')
      .where('consumer', '=', consumer)
      .where('event_id', 'in', [first.event.id, second.event.id, poison.event.id])
      .execute();
    expect(recorded.map((row) => row.event_id).sort()).toEqual([first.event.id, second.event.id].sort());

    // The whole batch again (Dapr redelivers after a crash): nothing doubles.
    const again = await deliverBulk(`${url}/task-completed`, [first.event, second.event]);
    expect(again.body).toEqual({
      statuses: [
        { entryId: 'e0', status: 'SUCCESS' },
        { entryId: 'e1', status: 'SUCCESS' },
      ],
    });
    expect(await children(first.task.id)).toHaveLength(1);
    expect(await children(second.task.id)).toHaveLength(1);
  });

  it('drops an entry that is not a CloudEvent and still handles the others', async () => {
    const { task, event } = await completedEvent('daily');
    const response = await fetch(`${url}/task-completed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'b1',
        type: 'com.dapr.event.sent.bulk',
        topic: 'task-events',
        pubsubname: 'pubsub',
        metadata: {},
        entries: [
          { entryId: 'raw', event: 'aGVsbG8=', contentType: 'application/octet-stream', metadata: {} },
          { entryId: 'ok', event, contentType: 'application/cloudevents+json', metadata: {} },
        ],
      }),
    });
    expect(await response.json()).toEqual({
      statuses: [
        { entryId: 'raw', status: 'DROP' },
        { entryId: 'ok', status: 'SUCCESS' },
      ],
    });
    const children = await database.db
      .selectFrom('tasks')
      .select('id')
      .where('parent_task_id', '=', task.id)
      .execute();
    expect(children).toHaveLength(1);
  });
});

describe('on-task-completed operations', () => {
  it('answers RETRY, not an error, while the database is unreachable', async () => {
    const { event } = await completedEvent('daily');
    const offline = await createTestDatabase();
    await offline.drop();
    const logger = createLogger(consumer, 'silent');
    const offlineServer = await serveRegistered(
      'on-task-completed-offline',
      createOnTaskCompleted({
        db: offline.db,
        relay,
        clock: systemClock,
        metrics: createMetrics(consumer),
        logger,
      }),
    );
    const offlineUrl = offlineServer.url;
    try {
      expect(await deliverEvent(`${offlineUrl}/task-completed`, event, 'structured')).toEqual({
        status: 200,
        body: { status: 'RETRY' },
      });
      expect((await fetch(`${offlineUrl}/readyz`)).status).toBe(503);
    } finally {
      await offlineServer.close();
    }
  });
});
