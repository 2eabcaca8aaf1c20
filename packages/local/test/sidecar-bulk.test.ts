import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createLogger } from '@nudge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sidecar, startSidecar } from '../src/sidecar/sidecar.ts';
import { tempDataDir, writeDaprFixture } from './dapr-fixture.ts';
import { type Answer, type Received, startSubscriber } from './subscriber.ts';

/*
 * The stand-in's bulk subscribe against Dapr's documented contract (docs: pubsub-bulk,
 * pubsub_api "Expected HTTP Response for Bulk Subscribe"; dapr pkg/runtime/subscription).
 */

const logger = createLogger('sidecar-bulk-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const bulkSubscription = (count: number, waitMs: number) => `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: orders-sub
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
      - match: event.type == "order.paid"
        path: /paid
    default: /other
  deadLetterTopic: orders-dlq
  bulkSubscribe:
    enabled: true
    maxMessagesCount: ${count}
    maxAwaitDurationMs: ${waitMs}
scopes:
  - app
`;

interface Entry {
  entryId: string;
  event: Record<string, unknown>;
  contentType: string;
  metadata: Record<string, string>;
}
const entriesOf = (received: Received) => (received.event as unknown as { entries: Entry[] }).entries;

async function setup(
  answer: (received: Received, count: number) => Answer,
  options: { count?: number; waitMs?: number; maxRetries?: number } = {},
) {
  const subscriber = await startSubscriber(answer);
  const resourcesDir = await writeDaprFixture({
    maxRetries: options.maxRetries ?? 3,
    extra: { 'subscriptions/orders.yaml': bulkSubscription(options.count ?? 3, options.waitMs ?? 150) },
  });
  const dataDir = await tempDataDir();
  const sidecar = await startSidecar({
    resourcesDir,
    dataDir,
    apps: new Map([['app', subscriber.url]]),
    port: 0,
    logger,
  });
  cleanups.push(
    subscriber.close,
    sidecar.stop,
    () => rm(resourcesDir, { recursive: true }),
    () => rm(dataDir, { recursive: true, force: true }),
  );
  return { subscriber, sidecar };
}

/** Answers every entry with the status `decide` gives its event (undefined: leave it out). */
function statuses(decide: (event: Record<string, unknown>, attempt: number) => string | undefined) {
  const attempts = new Map<unknown, number>();
  return (received: Received): Answer => {
    const answers = entriesOf(received).flatMap((entry) => {
      const attempt = (attempts.get(entry.event.id) ?? 0) + 1;
      attempts.set(entry.event.id, attempt);
      const status = decide(entry.event, attempt);
      return status === undefined ? [] : [{ entryId: entry.entryId, status }];
    });
    return { status: 200, body: JSON.stringify({ statuses: answers }) };
  };
}

const order = (type: string, n: number) => ({
  specversion: '1.0',
  id: randomUUID(),
  type,
  source: '/test',
  data: { n },
});

async function publish(sidecar: Sidecar, event: Record<string, unknown>, key: string) {
  const response = await fetch(`${sidecar.url}/v1.0/publish/pubsub/orders?metadata.partitionKey=${key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  });
  expect(response.status).toBe(204);
}

async function topicEvents(sidecar: Sidecar, topic: string) {
  const response = await fetch(`${sidecar.url}/dev/events?topic=${topic}&limit=100`);
  return (
    (await response.json()) as {
      events: { event: Record<string, unknown>; deliveries: Record<string, { status: string }> }[];
    }
  ).events;
}

describe('bulk subscribe', () => {
  it('sends batches of up to maxMessagesCount in Dapr’s bulk envelope, the rest after maxAwaitDurationMs', async () => {
    const { sidecar, subscriber } = await setup(
      statuses(() => 'SUCCESS'),
      { count: 3, waitMs: 300 },
    );
    const sent = [1, 2, 3, 4, 5].map((n) => order('order.paid', n));
    const started = Date.now();
    for (const [i, event] of sent.entries()) await publish(sidecar, event, `k${i}`);
    await subscriber.until(() => subscriber.received.length === 2);
    const [full, rest] = subscriber.received;
    expect(full!.path).toBe('/paid');
    expect(full!.headers['content-type']).toMatch(/^application\/json/);
    expect(full!.event).toMatchObject({
      type: 'com.dapr.event.sent.bulk',
      topic: 'orders',
      pubsubname: 'pubsub',
      metadata: { pubsubName: 'pubsub' },
    });
    expect(typeof full!.event.id).toBe('string');
    const first = entriesOf(full!);
    expect(first).toHaveLength(3);
    for (const entry of first) {
      expect(entry.entryId).toMatch(/.+/);
      expect(entry.contentType).toBe('application/cloudevents+json');
      // The CloudEvent travels as a JSON object, completed as for a single delivery.
      expect(entry.event).toMatchObject({ specversion: '1.0', topic: 'orders', pubsubname: 'pubsub' });
      expect(typeof entry.event.traceparent).toBe('string');
    }
    expect(new Set(first.map((e) => e.entryId)).size).toBe(3);
    expect(entriesOf(rest!)).toHaveLength(2);
    // The partial batch waited for maxAwaitDurationMs before it went.
    expect(rest!.at - started).toBeGreaterThanOrEqual(250);
    expect([...first, ...entriesOf(rest!)].map((e) => e.event.id)).toEqual(sent.map((e) => e.id));
    await expect
      .poll(async () =>
        (await topicEvents(sidecar, 'orders')).map((e) => e.deliveries['orders-sub/app']?.status),
      )
      .toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
  });

  it('routes each entry by its own type: one bulk request per route path', async () => {
    const { sidecar, subscriber } = await setup(
      statuses(() => 'SUCCESS'),
      { count: 4, waitMs: 100 },
    );
    const events = [order('order.paid', 1), order('order.other', 2), order('order.paid', 3), order('x', 4)];
    for (const [i, event] of events.entries()) await publish(sidecar, event, `k${i}`);
    await subscriber.until(() => subscriber.received.length === 2);
    const byPath = Object.fromEntries(
      subscriber.received.map((r) => [r.path, entriesOf(r).map((e) => e.event.data)]),
    );
    expect(byPath).toEqual({ '/paid': [{ n: 1 }, { n: 3 }], '/other': [{ n: 2 }, { n: 4 }] });
  });

  it('settles each entry by its own status: DROP dead-letters it alone, RETRY or no status redelivers only those entries', async () => {
    const { sidecar, subscriber } = await setup(
      statuses((event, attempt) => {
        const n = (event.data as { n: number }).n;
        if (n === 2) return 'DROP';
        if (n === 3 && attempt === 1) return 'RETRY';
        if (n === 4 && attempt === 1) return undefined; // no status for an entry: Dapr retries it
        if (n === 5 && attempt === 1) return 'BANANA'; // an unknown status: retried too
        return 'SUCCESS';
      }),
      { count: 5, waitMs: 100 },
    );
    const sent = [1, 2, 3, 4, 5].map((n) => order('order.paid', n));
    for (const [i, event] of sent.entries()) await publish(sidecar, event, `k${i}`);
    await subscriber.until(() => subscriber.received.length === 2);
    expect(entriesOf(subscriber.received[0]!)).toHaveLength(5);
    // The retry carries only the entries that were not settled.
    expect(entriesOf(subscriber.received[1]!).map((e) => (e.event.data as { n: number }).n)).toEqual([
      3, 4, 5,
    ]);
    await expect
      .poll(async () => (await topicEvents(sidecar, 'orders-dlq')).map((e) => e.event.id))
      .toEqual([sent[1]!.id]);
    await expect
      .poll(async () =>
        (await topicEvents(sidecar, 'orders')).map((e) => e.deliveries['orders-sub/app']?.status).reverse(),
      )
      .toEqual(['delivered', 'dead-lettered', 'delivered', 'delivered', 'delivered']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscriber.received).toHaveLength(2);
  });

  it('dead-letters only the entries still failing once the retry policy is spent; a 5xx retries the whole request', async () => {
    let calls = 0;
    const { sidecar, subscriber } = await setup(
      (received) => {
        calls += 1;
        if (calls === 1) return { status: 503 };
        return statuses((event) => ((event.data as { n: number }).n === 1 ? 'RETRY' : 'SUCCESS'))(received);
      },
      { count: 2, waitMs: 100, maxRetries: 2 },
    );
    const sent = [order('order.paid', 1), order('order.paid', 2)];
    for (const [i, event] of sent.entries()) await publish(sidecar, event, `k${i}`);
    await expect
      .poll(async () => (await topicEvents(sidecar, 'orders-dlq')).map((e) => e.event.id))
      .toEqual([sent[0]!.id]);
    // 1 attempt + 2 retries; the first retry still carried both entries (the 503 settled none).
    expect(subscriber.received.map((r) => entriesOf(r).length)).toEqual([2, 2, 1]);
  });

  it('holds a key’s later events until the batch carrying its earlier ones settles', async () => {
    const { sidecar, subscriber } = await setup(
      (received, count) => ({ ...statuses(() => 'SUCCESS')(received), delayMs: count === 1 ? 300 : 0 }),
      { count: 10, waitMs: 50 },
    );
    const first = order('order.paid', 1);
    await publish(sidecar, first, 'same');
    // Received, not yet answered (until() checks only after an answer).
    await expect.poll(() => subscriber.received.length, { interval: 5 }).toBe(1);
    const second = order('order.paid', 2);
    const other = order('order.paid', 3);
    await publish(sidecar, second, 'same');
    await publish(sidecar, other, 'other');
    await subscriber.until(() => subscriber.received.length === 3);
    // The other key went on at once; the same key's next event waited for the slow batch.
    expect(entriesOf(subscriber.received[1]!).map((e) => e.event.id)).toEqual([other.id]);
    expect(entriesOf(subscriber.received[2]!).map((e) => e.event.id)).toEqual([second.id]);
    expect(subscriber.received[2]!.at - subscriber.received[0]!.at).toBeGreaterThanOrEqual(250);
  });
});
