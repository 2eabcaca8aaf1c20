import { Writable } from 'node:stream';
import {
  createTestDatabase,
  manualClock,
  relayToSidecar,
  startTestSidecar,
  type TestDatabase,
  type TestSidecar,
} from '@nudge/testing';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildEvent,
  type Clock,
  createDaprPublisher,
  createLogger,
  createMetrics,
  createOutboxRelay,
  type Database,
  type Db,
  type EventType,
  enqueueEvents,
  type NudgeCloudEvent,
  type OutboxRelayDeps,
  sources,
} from '../src/index.ts';

let database: TestDatabase;
let db: Db;
let sidecar: TestSidecar;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  sidecar = await startTestSidecar();
});
afterAll(async () => {
  await sidecar.close();
  await database.drop();
});
beforeEach(async () => {
  await db.deleteFrom('outbox').execute();
  sidecar.requests.length = 0;
  sidecar.accepted.length = 0;
  sidecar.events.length = 0;
  sidecar.failEntries(undefined);
  sidecar.respondWith(204);
  sidecar.delayAnswers(0);
});

function relay(clock: Clock, overrides: Partial<OutboxRelayDeps> = {}) {
  return createOutboxRelay({
    db,
    publisher: createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub', timeoutMs: 1_000 }),
    metrics: createMetrics('test'),
    logger: createLogger('test', 'silent'),
    clock,
    ...overrides,
  });
}

/** Commits one transaction per event (so ids follow commit order) and returns the event ids. */
async function commitEvents(events: Array<{ user: string; type?: EventType; n: number }>): Promise<string[]> {
  const ids: string[] = [];
  for (const { user, type, n } of events) {
    const outgoing = buildEvent({
      type: type ?? 'task.updated',
      source: sources.taskApi,
      userId: user,
      subject: '00000000-0000-4000-8000-000000000000',
      payload: { n },
      time: new Date(),
    });
    await db.transaction().execute((trx) => enqueueEvents(trx, [outgoing]));
    ids.push(outgoing.event.id);
  }
  return ids;
}

const published = () => sidecar.events.map(({ event }) => event as unknown as NudgeCloudEvent<{ n: number }>);
const sequenceOf = (user: string) =>
  published()
    .filter((event) => event.partitionkey === user)
    .map((event) => event.data.payload.n);
/** The users with an entry in a recorded bulk request. */
const usersIn = (request: TestSidecar['requests'][number]) =>
  (JSON.parse(request.body) as Array<{ metadata: { partitionKey: string } }>).map(
    (e) => e.metadata.partitionKey,
  );

describe('outbox relay', () => {
  it('publishes every pending event once, to its topic, and marks it published', async () => {
    await commitEvents([
      { user: 'ann', n: 1 },
      { user: 'ann', type: 'reminder.scheduled', n: 2 },
    ]);
    const summary = await relay(manualClock()).relayPending();

    expect(summary).toEqual({ published: 2, failed: 0, pending: 0 });
    expect(sidecar.accepted.map((r) => r.url)).toEqual([
      '/v1.0-alpha1/publish/bulk/pubsub/task-events',
      '/v1.0-alpha1/publish/bulk/pubsub/reminders',
    ]);
    expect(sidecar.events.map((e) => [e.topic, e.key])).toEqual([
      ['task-events', 'ann'],
      ['reminders', 'ann'],
    ]);
    const rows = await db.selectFrom('outbox').select(['published_at', 'attempts']).execute();
    expect(rows.every((row) => row.published_at !== null && row.attempts === 0)).toBe(true);
    expect((await relay(manualClock()).relayPending()).published).toBe(0);
  });

  it('publishes a fresh event at once even when this process’s clock runs behind the database’s', async () => {
    await commitEvents([{ user: 'ann', n: 1 }]);
    const behind = manualClock(new Date(Date.now() - 60_000));
    expect((await relay(behind).relayPending()).published).toBe(1);
  });

  it('holds back a failing user’s later events but keeps publishing other users', async () => {
    await commitEvents([
      { user: 'ann', n: 1 },
      { user: 'bob', n: 1 },
      { user: 'ann', n: 2 },
      { user: 'bob', n: 2 },
    ]);
    // One bulk request carries both users; the broker fails ann's entry alone.
    sidecar.failEntries((entry) => (entry.key === 'ann' ? 'partition unavailable' : undefined));
    const clock = manualClock();
    const summary = await relay(clock).relayPending();

    expect(summary).toEqual({ published: 2, failed: 1, pending: 2 });
    expect(sequenceOf('bob')).toEqual([1, 2]);
    expect(sequenceOf('ann')).toEqual([]);
    // ann's second event was never even tried: it waits behind the first.
    expect(sidecar.requests.flatMap(usersIn).filter((user) => user === 'ann')).toHaveLength(1);
    const ann = await db
      .selectFrom('outbox')
      .select(['attempts', 'last_error', 'next_attempt_at'])
      .where('user_id', '=', 'ann')
      .orderBy('id')
      .execute();
    expect(ann[0]?.attempts).toBe(1);
    expect(ann[0]?.last_error).toBe('partition unavailable');
    expect(ann[0]?.next_attempt_at.getTime()).toBe(clock.now().getTime() + 1_000);
    expect(ann[1]?.attempts).toBe(0);
  });

  it('backs off exponentially and does not retry before next_attempt_at', async () => {
    await commitEvents([{ user: 'ann', n: 1 }]);
    sidecar.respondWith(500);
    const clock = manualClock();
    const relayer = relay(clock, { backoff: { baseMs: 1_000, maxMs: 5_000 } });
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await relayer.relayPending();
      const row = await db.selectFrom('outbox').select('next_attempt_at').executeTakeFirstOrThrow();
      delays.push(row.next_attempt_at.getTime() - clock.now().getTime());
      expect((await relayer.relayPending()).failed).toBe(0); // not due yet: untouched
      clock.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(sidecar.requests).toHaveLength(5);
  });

  it('loses nothing and keeps each user’s order when the sidecar fails for a while, then recovers', async () => {
    const users = ['ann', 'bob', 'cyd'];
    const plan = Array.from({ length: 30 }, (_, i) => ({ user: users[i % 3]!, n: Math.floor(i / 3) + 1 }));
    await commitEvents(plan.slice(0, 12));
    let calls = 0;
    // Down for the first 7 calls, then every third call fails until call 25, then healthy.
    sidecar.respondWith(() => {
      calls += 1;
      if (calls <= 7) return 500;
      if (calls <= 25 && calls % 3 === 0) return 503;
      return 204;
    });
    const clock = manualClock();
    const relayer = relay(clock, { backoff: { baseMs: 1_000, maxMs: 8_000 } });
    for (let round = 0; round < 40; round += 1) {
      if (round === 3) await commitEvents(plan.slice(12)); // events keep arriving during the outage
      await relayer.relayPending();
      clock.advance(8_000);
    }

    for (const user of users) expect(sequenceOf(user)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sidecar.events).toHaveLength(30);
    const pending = await db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    expect(pending).toHaveLength(0);
  });

  it('publishes each event exactly once, in per-user order, with several relays running at once', async () => {
    const users = ['ann', 'bob', 'cyd', 'dan'];
    await commitEvents(
      Array.from({ length: 80 }, (_, i) => ({ user: users[i % 4]!, n: Math.floor(i / 4) + 1 })),
    );
    sidecar.delayAnswers(5);
    const relays = Array.from({ length: 4 }, () => relay(manualClock(), { batchSize: 3 }));
    await Promise.all(relays.flatMap((r) => [r.relayPending(), r.relayPending()]));

    expect(sidecar.events).toHaveLength(80);
    expect(new Set(published().map((e) => e.id)).size).toBe(80);
    const expected = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const user of users) expect(sequenceOf(user)).toEqual(expected);
  });

  it('publishes many users in one bulk request per topic, one event of each user per request', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    await commitEvents(users.flatMap((user) => [1, 2, 3].map((n) => ({ user, n }))));
    sidecar.delayAnswers(100);
    const started = performance.now();
    const summary = await relay(manualClock()).relayPending();
    const elapsed = performance.now() - started;

    expect(summary.published).toBe(120);
    // Three waves of 40 entries: one request each, not 120 round trips of 100 ms.
    expect(sidecar.requests).toHaveLength(3);
    for (const request of sidecar.requests)
      expect(new Set(usersIn(request)).size).toBe(usersIn(request).length);
    expect(elapsed).toBeLessThan(2_000);
    for (const user of users) expect(sequenceOf(user)).toEqual([1, 2, 3]);
  });

  it('after a partial failure keeps each user’s order and publishes no event twice', async () => {
    const users = ['ann', 'bob', 'cyd', 'dan'];
    await commitEvents(
      Array.from({ length: 40 }, (_, i) => ({ user: users[i % 4]!, n: Math.floor(i / 4) + 1 })),
    );
    // The broker fails one entry in four (spread over users and waves) among the first 60 entries.
    let calls = 0;
    sidecar.failEntries(() => {
      calls += 1;
      return calls < 60 && (calls * 7) % 4 === 0 ? 'not enough replicas' : undefined;
    });
    const clock = manualClock();
    const relayer = relay(clock, { backoff: { baseMs: 1_000, maxMs: 1_000 } });
    for (let round = 0; round < 30; round += 1) {
      await relayer.relayPending();
      clock.advance(1_000);
    }
    expect(published().length).toBe(40);
    expect(new Set(published().map((e) => e.id)).size).toBe(40);
    for (const user of users) expect(sequenceOf(user)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('coalesces kicks into few passes, and a failed pass ends in the log, not in the caller', async () => {
    await commitEvents([
      { user: 'ann', n: 1 },
      { user: 'ann', n: 2 },
    ]);
    const metrics = createMetrics('test');
    const relayer = relay(manualClock(), { metrics });
    for (let i = 0; i < 50; i += 1) relayer.kick();
    await relayer.idle();
    expect(sequenceOf('ann')).toEqual([1, 2]);
    const published = await metrics.registry.getSingleMetricAsString('events_published_total');
    expect(published).toMatch(
      /events_published_total\{topic="task-events",type="task.updated",service="test"\} 2/,
    );
    expect(await metrics.registry.getSingleMetricAsString('outbox_pending_events')).toMatch(/ 0$/m);

    // A relay whose database is gone: every pass fails at its first query. Each pass takes one
    // connection from the pool, so counting attempts counts passes: 50 kicks in one turn (50
    // requests committing together) make one pass, and the failure ends in the log, not in the caller.
    const broken = await createTestDatabase();
    await broken.drop();
    const pool = new pg.Pool({ connectionString: broken.url, max: 1 });
    const connect = pool.connect.bind(pool);
    let passes = 0;
    pool.connect = (() => {
      passes += 1;
      return connect();
    }) as typeof pool.connect;
    const gone = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const lines: Array<{ msg: string; err?: string }> = [];
    const log = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const orphan = relayToSidecar(sidecar, { db: gone, metrics, logger: pino(log), clock: manualClock() });
    for (let i = 0; i < 50; i += 1) orphan.kick();
    await orphan.idle();
    expect(passes).toBe(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.msg).toBe('outbox relay pass failed');
      expect(line.err).toMatch(/does not exist/);
    }
    await expect(orphan.relayPending()).rejects.toThrow(/does not exist/);
    await gone.destroy();
  });

  it('reports the pending count and the oldest pending age', async () => {
    await commitEvents([{ user: 'ann', n: 1 }]);
    sidecar.respondWith(500);
    const metrics = createMetrics('test');
    const clock = manualClock();
    clock.advance(60_000);
    await relay(clock, { metrics }).relayPending();
    expect(await metrics.registry.getSingleMetricAsString('outbox_pending_events')).toMatch(/ 1$/m);
    const age = Number(
      (await metrics.registry.getSingleMetricAsString('outbox_oldest_pending_age_seconds')).split(' ').at(-1),
    );
    expect(age).toBeGreaterThanOrEqual(59);
    expect(age).toBeLessThan(120);
    expect(await metrics.registry.getSingleMetricAsString('event_publish_failures_total')).toMatch(
      /topic="task-events".* 1$/m,
    );
  });
});
