import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createLogger } from '@nudge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sidecar, startSidecar } from '../src/sidecar/sidecar.ts';
import { tempDataDir, writeDaprFixture } from './dapr-fixture.ts';
import { drop, retry, startSubscriber, success } from './subscriber.ts';

const logger = createLogger('sidecar-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: {
  answer?: Parameters<typeof startSubscriber>[0];
  maxRetries?: number;
  dataDir?: string;
  timeout?: string;
  schedule?: string;
  /** Files written over the fixture's, by path inside the dapr/ folder. */
  extra?: Record<string, string>;
}) {
  const subscriber = await startSubscriber(options.answer);
  const resourcesDir = await writeDaprFixture({
    maxRetries: options.maxRetries ?? 3,
    timeout: options.timeout,
    schedule: options.schedule,
    extra: options.extra,
  });
  const dataDir = options.dataDir ?? (await tempDataDir());
  const sidecar = await startSidecar({
    resourcesDir,
    dataDir,
    apps: new Map([['app', subscriber.url]]),
    port: 0,
    logger,
  });
  cleanups.push(subscriber.close, sidecar.stop, () => rm(resourcesDir, { recursive: true }));
  if (!options.dataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { subscriber, sidecar, dataDir, resourcesDir };
}

function cloudEvent(type: string, extra: Record<string, unknown> = {}) {
  return { specversion: '1.0', id: randomUUID(), type, source: '/test', data: { n: 1 }, ...extra };
}

async function publish(
  sidecar: Sidecar,
  topic: string,
  body: unknown,
  key?: string,
  contentType = 'application/cloudevents+json',
) {
  const query = key ? `?metadata.partitionKey=${encodeURIComponent(key)}` : '';
  return fetch(`${sidecar.url}/v1.0/publish/pubsub/${topic}${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function events(sidecar: Sidecar, topic: string) {
  const response = await fetch(`${sidecar.url}/dev/events?topic=${topic}&limit=100`);
  return (
    (await response.json()) as {
      events: { event: Record<string, unknown>; deliveries: Record<string, { status: string }> }[];
    }
  ).events;
}

describe('publish API', () => {
  it('answers 204 and delivers the CloudEvent in structured mode with topic, pubsubname and traceparent added', async () => {
    const { sidecar, subscriber } = await setup({});
    const event = cloudEvent('order.paid', { partitionkey: 'u1' });
    const response = await publish(sidecar, 'orders', event, 'u1');
    expect(response.status).toBe(204);
    await subscriber.until(() => subscriber.received.length === 1);
    const [delivery] = subscriber.received;
    expect(delivery!.headers['content-type']).toBe('application/cloudevents+json');
    expect(delivery!.event).toMatchObject({ ...event, topic: 'orders', pubsubname: 'pubsub' });
    expect(delivery!.event.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(delivery!.headers.traceparent).toBe(delivery!.event.traceparent);
  });

  it('keeps the trace context of the publish call', async () => {
    const { sidecar, subscriber } = await setup({});
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await fetch(`${sidecar.url}/v1.0/publish/pubsub/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', traceparent },
      body: JSON.stringify(cloudEvent('order.paid')),
    });
    await subscriber.until(() => subscriber.received.length === 1);
    expect(subscriber.received[0]!.event).toMatchObject({ traceparent, traceid: traceparent });
  });

  it('wraps raw JSON data in a CloudEvent the way Dapr does', async () => {
    const { sidecar, subscriber } = await setup({});
    const response = await publish(sidecar, 'orders', { hello: 'world' }, undefined, 'application/json');
    expect(response.status).toBe(204);
    await subscriber.until(() => subscriber.received.length === 1);
    const { event, path } = subscriber.received[0]!;
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'com.dapr.event.sent',
      source: 'Dapr',
      datacontenttype: 'application/json',
      data: { hello: 'world' },
      topic: 'orders',
      pubsubname: 'pubsub',
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(path).toBe('/other');
  });

  it('wraps text as a string and octet-stream as data_base64', async () => {
    const { sidecar, subscriber } = await setup({});
    await publish(sidecar, 'orders', 'plain words', 'k', 'text/plain');
    await publish(sidecar, 'orders', 'bytes', 'k', 'application/octet-stream');
    await subscriber.until(() => subscriber.received.length === 2);
    expect(subscriber.received[0]!.event.data).toBe('plain words');
    expect(subscriber.received[1]!.event.data_base64).toBe(Buffer.from('bytes').toString('base64'));
  });

  it('refuses an unknown pub/sub with 404 and a malformed CloudEvent with 400', async () => {
    const { sidecar, subscriber } = await setup({});
    const unknown = await fetch(`${sidecar.url}/v1.0/publish/nope/orders`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ errorCode: 'ERR_PUBSUB_NOT_FOUND' });
    const malformed = await publish(sidecar, 'orders', '{not json');
    expect(malformed.status).toBe(400);
    const array = await publish(sidecar, 'orders', '[1,2]');
    expect(array.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscriber.received).toHaveLength(0);
  });

  it('answers the health endpoints with 204', async () => {
    const { sidecar } = await setup({});
    expect((await fetch(`${sidecar.url}/v1.0/healthz`)).status).toBe(204);
    expect((await fetch(`${sidecar.url}/v1.0/healthz/outbound`)).status).toBe(204);
  });
});

describe('delivery', () => {
  it('routes by event type: matching rules first, then the default route', async () => {
    const { sidecar, subscriber } = await setup({ answer: () => success });
    await publish(sidecar, 'orders', cloudEvent('order.paid'), 'a');
    await publish(sidecar, 'orders', cloudEvent('order.shipped'), 'a');
    await publish(sidecar, 'orders', cloudEvent('order.created'), 'a');
    await subscriber.until(() => subscriber.received.length === 3);
    expect(subscriber.received.map((r) => [r.event.type, r.path])).toEqual([
      ['order.paid', '/paid'],
      ['order.shipped', '/shipped'],
      ['order.created', '/other'],
    ]);
  });

  it('retries RETRY answers and 5xx until the app succeeds, then delivers nothing more', async () => {
    const { sidecar, subscriber } = await setup({
      answer: (_r, count) => (count === 1 ? retry : count === 2 ? { status: 503 } : success),
    });
    await publish(sidecar, 'orders', cloudEvent('order.paid'), 'a');
    await subscriber.until(() => subscriber.received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(subscriber.received).toHaveLength(3);
    expect(new Set(subscriber.received.map((r) => r.event.id)).size).toBe(1);
    expect(await events(sidecar, 'orders-dlq')).toHaveLength(0);
    expect((await events(sidecar, 'orders'))[0]!.deliveries['orders-sub/app']).toMatchObject({
      status: 'delivered',
      attempts: 3,
    });
  });

  it('moves an event to the dead-letter topic once maxRetries retries are spent', async () => {
    const { sidecar, subscriber } = await setup({ maxRetries: 2, answer: () => ({ status: 500 }) });
    const event = cloudEvent('order.paid');
    await publish(sidecar, 'orders', event, 'a');
    await subscriber.until(() => subscriber.received.length === 3);
    await expect.poll(async () => (await events(sidecar, 'orders-dlq')).length).toBe(1);
    const [dead] = await events(sidecar, 'orders-dlq');
    expect(dead!.event).toMatchObject({ id: event.id, type: 'order.paid', topic: 'orders' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(subscriber.received).toHaveLength(3); // 1 attempt + 2 retries
    expect((await events(sidecar, 'orders'))[0]!.deliveries['orders-sub/app']!.status).toBe('dead-lettered');
  });

  it('dead-letters at once, without retrying, when the app answers DROP or 404', async () => {
    const { sidecar, subscriber } = await setup({
      answer: (received) => (received.event.type === 'order.paid' ? drop : { status: 404 }),
    });
    const paid = cloudEvent('order.paid');
    const shipped = cloudEvent('order.shipped');
    await publish(sidecar, 'orders', paid, 'a');
    await publish(sidecar, 'orders', shipped, 'b');
    await expect
      .poll(async () => (await events(sidecar, 'orders-dlq')).map((e) => e.event.id).sort())
      .toEqual([paid.id, shipped.id].sort());
    expect(subscriber.received).toHaveLength(2);
  });

  it('treats 2xx with an empty or non-JSON body as success', async () => {
    const { sidecar, subscriber } = await setup({
      answer: (_r, count) => (count === 1 ? { status: 200, body: '' } : { status: 202, body: 'ok' }),
    });
    await publish(sidecar, 'orders', cloudEvent('order.paid'), 'a');
    await publish(sidecar, 'orders', cloudEvent('order.paid'), 'b');
    await subscriber.until(() => subscriber.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(subscriber.received).toHaveLength(2);
  });

  it('retries an attempt that exceeds the resiliency timeout', async () => {
    const { sidecar, subscriber } = await setup({
      timeout: '100ms',
      answer: (_r, count) => (count === 1 ? { ...success, delayMs: 400 } : success),
    });
    await publish(sidecar, 'orders', cloudEvent('order.paid'), 'a');
    await subscriber.until(() => subscriber.received.length === 2);
    await expect
      .poll(async () => (await events(sidecar, 'orders'))[0]!.deliveries['orders-sub/app'])
      .toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('delivers one partition key in order, one at a time, while other keys proceed concurrently', async () => {
    let inFlight = new Map<string, number>();
    let maxPerKey = 0;
    let maxOverall = 0;
    const { sidecar, subscriber } = await setup({
      answer: (received, count) => {
        const key = (received.event.data as { key: string }).key;
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        maxPerKey = Math.max(maxPerKey, inFlight.get(key)!);
        maxOverall = Math.max(
          maxOverall,
          [...inFlight.values()].reduce((a, b) => a + b, 0),
        );
        setTimeout(() => inFlight.set(key, inFlight.get(key)! - 1), 25);
        // An early retry must not let the key's later events overtake it.
        return { ...(count === 2 ? retry : success), delayMs: 25 };
      },
    });
    const keys = ['alice', 'bob', 'carol'];
    for (let seq = 0; seq < 6; seq += 1) {
      for (const key of keys) {
        expect(
          (await publish(sidecar, 'orders', cloudEvent('order.paid', { data: { key, seq } }), key)).status,
        ).toBe(204);
      }
    }
    await subscriber.until(() => subscriber.received.length === 19);
    for (const key of keys) {
      const seqs = subscriber.received
        .filter((r) => (r.event.data as { key: string }).key === key)
        .map((r) => (r.event.data as { seq: number }).seq);
      const deduped = seqs.filter((seq, i) => seqs[i - 1] !== seq); // the retried one appears twice in a row
      expect(deduped).toEqual([0, 1, 2, 3, 4, 5]);
    }
    expect(maxPerKey).toBe(1);
    expect(maxOverall).toBeGreaterThan(1);
    inFlight = new Map();
  });

  it('sends an event no rule matches and no default route takes to the dead-letter topic', async () => {
    const { subscriber, sidecar } = await setup({
      extra: {
        'subscriptions/orders.yaml': `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: orders-sub }
spec:
  pubsubname: pubsub
  topic: orders
  routes: { rules: [ { match: 'event.type == "order.paid"', path: /paid } ] }
  deadLetterTopic: orders-dlq
scopes: [app]
`,
      },
    });
    await publish(sidecar, 'orders', cloudEvent('order.refunded'), 'a');
    await expect.poll(async () => (await events(sidecar, 'orders-dlq')).length).toBe(1);
    expect(subscriber.received).toHaveLength(0);
  });
});

describe('cron binding', () => {
  it('POSTs to /<binding name> on the scoped app at every tick of the schedule', async () => {
    const { subscriber } = await setup({ schedule: '@every 150ms' });
    const started = Date.now();
    await subscriber.until(() => subscriber.received.length >= 3, 5_000);
    expect(subscriber.received.slice(0, 3).map((r) => r.path)).toEqual(['/tick', '/tick', '/tick']);
    expect(subscriber.received[0]!.at - started).toBeGreaterThanOrEqual(100); // the first tick after one period
    expect(subscriber.received[0]!.headers['content-type']).toBe('application/json');
  });
});

describe('durability', () => {
  it('redelivers after a restart what was published but not yet acknowledged, and nothing already acknowledged', async () => {
    const dataDir = await tempDataDir();
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let healthy = true;
    const first = await setup({ dataDir, maxRetries: -1, answer: () => (healthy ? success : retry) });
    const done = cloudEvent('order.paid');
    await publish(first.sidecar, 'orders', done, 'a');
    await first.subscriber.until(() => first.subscriber.received.length === 1);
    healthy = false;
    const pending = [cloudEvent('order.paid'), cloudEvent('order.shipped')];
    for (const event of pending)
      expect((await publish(first.sidecar, 'orders', event, 'b')).status).toBe(204);
    await first.subscriber.until(() => first.subscriber.received.length >= 2);
    await first.sidecar.stop();

    const second = await setup({ dataDir, answer: () => success });
    await second.subscriber.until(() => second.subscriber.received.length === 2);
    expect(second.subscriber.received.map((r) => r.event.id)).toEqual(pending.map((e) => e.id));
    expect((await events(second.sidecar, 'orders')).map((e) => e.event.id)).toEqual(
      [done, ...pending].map((e) => e.id).reverse(),
    );
  });
});

describe('/dev/events', () => {
  it('lists recent events of a topic newest first, up to limit', async () => {
    const { sidecar } = await setup({});
    const sent = [cloudEvent('order.paid'), cloudEvent('order.shipped'), cloudEvent('order.created')];
    for (const event of sent) await publish(sidecar, 'orders', event, 'a');
    const response = await fetch(`${sidecar.url}/dev/events?topic=orders&limit=2`);
    const body = (await response.json()) as {
      events: { topic: string; partition_key: string; event: { id: string } }[];
    };
    expect(body.events.map((e) => e.event.id)).toEqual([sent[2]!.id, sent[1]!.id]);
    expect(body.events[0]).toMatchObject({ topic: 'orders', partition_key: 'a' });
  });
});
