// The stand-in's bulk publish API against Dapr's documented shapes
// (docs.dapr.io/reference/api/pubsub_api, "Publish multiple messages to a given topic").
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nudge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sidecar, startSidecar } from '../src/sidecar/sidecar.ts';
import { TopicLog } from '../src/sidecar/topic-log.ts';
import { tempDataDir, writeDaprFixture } from './dapr-fixture.ts';
import { startSubscriber } from './subscriber.ts';

const logger = createLogger('sidecar-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const subscriber = await startSubscriber();
  const resourcesDir = await writeDaprFixture({ maxRetries: 3 });
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

const bulk = (sidecar: Sidecar, body: unknown, path = 'pubsub/orders', query = '') =>
  fetch(`${sidecar.url}/v1.0-alpha1/publish/bulk/${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const cloudEvent = (n: number) => ({
  specversion: '1.0',
  id: randomUUID(),
  type: 'order.paid',
  source: '/t',
  data: { n },
});

describe('bulk publish API', () => {
  it('answers 204 with no body and puts every entry on the topic, CloudEvents kept, others wrapped', async () => {
    const { sidecar, subscriber } = await setup();
    const own = cloudEvent(1);
    const response = await bulk(sidecar, [
      {
        entryId: 'a',
        event: own,
        contentType: 'application/cloudevents+json',
        metadata: { partitionKey: 'u1' },
      },
      { entryId: 'b', event: { message: 'second JSON message' }, contentType: 'application/json' },
      { entryId: 'c', event: 'first text message', contentType: 'text/plain' },
    ]);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    await subscriber.until(() => subscriber.received.length === 3);
    const byId = new Map(subscriber.received.map((r) => [r.event.id, r.event]));
    expect(byId.get(own.id)).toMatchObject({ ...own, topic: 'orders', pubsubname: 'pubsub' });
    const wrapped = subscriber.received.map((r) => r.event).filter((e) => e.id !== own.id);
    expect(wrapped.map((e) => [e.type, e.datacontenttype, e.data])).toEqual(
      expect.arrayContaining([
        ['com.dapr.event.sent', 'application/json', { message: 'second JSON message' }],
        ['com.dapr.event.sent', 'text/plain', 'first text message'],
      ]),
    );
  });

  it('keys each entry by its own metadata.partitionKey, falling back to the request’s metadata.* query', async () => {
    const { sidecar } = await setup();
    const events = [cloudEvent(1), cloudEvent(2)];
    const response = await bulk(
      sidecar,
      [
        {
          entryId: '1',
          event: events[0],
          contentType: 'application/cloudevents+json',
          metadata: { partitionKey: 'ann' },
        },
        { entryId: '2', event: events[1], contentType: 'application/cloudevents+json' },
      ],
      'pubsub/orders',
      '?metadata.partitionKey=everyone',
    );
    expect(response.status).toBe(204);
    const keys = sidecar.broker
      .recent('orders', 10)
      .reverse()
      .map((record) => [record.event.id, record.partition_key]);
    expect(keys).toEqual([
      [events[0]!.id, 'ann'],
      [events[1]!.id, 'everyone'],
    ]);
  });

  it('answers 400 ERR_PUBSUB_NOT_FOUND for a pub/sub it lacks, and publishes nothing', async () => {
    const { sidecar } = await setup();
    const response = await bulk(
      sidecar,
      [{ entryId: 'a', event: 'x', contentType: 'text/plain' }],
      'nope/orders',
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errorCode: 'ERR_PUBSUB_NOT_FOUND',
      message: "pubsub 'nope' not found",
    });
  });

  it.each([
    [
      'a duplicated entryId',
      [
        { entryId: 'a', event: 'x' },
        { entryId: 'a', event: 'y' },
      ],
      /entryId is duplicated/,
    ],
    ['a missing entryId', [{ event: 'x' }], /entryId is duplicated or not present/],
    ['a body that is not an array', { entryId: 'a', event: 'x' }, /JSON array/],
    ['a body that is not JSON', '[{', /not JSON/],
  ])('refuses %s with 400 and publishes nothing of the request', async (_name, body, message) => {
    const { sidecar } = await setup();
    const response = await bulk(sidecar, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { errorCode: string; message: string };
    expect(answer.errorCode).toBe('ERR_PUBSUB_EVENTS_SER');
    expect(answer.message).toMatch(message);
    expect(sidecar.broker.recent('orders', 10)).toEqual([]);
  });
});

describe('topic log group commit', () => {
  it('writes a batch of appends with one fdatasync, in order, and reads it back after reopening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nudge-topic-log-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'orders.jsonl');
    const { log } = await TopicLog.open(path);
    const records = await log.appendMany(
      Array.from({ length: 200 }, (_, n) => ({ event: { id: String(n) }, key: `u${n % 7}` })),
    );
    expect(log.syncs).toBe(1);
    expect(records.map((record) => record.offset)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    // Single appends made in one turn also share one sync.
    await Promise.all([log.append({ id: 'x' }, undefined), log.append({ id: 'y' }, undefined)]);
    expect(log.syncs).toBe(2);
    await log.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(202);
    const reopened = await TopicLog.open(path);
    expect(reopened.records.map((record) => record.event.id)).toEqual([
      ...Array.from({ length: 200 }, (_, n) => String(n)),
      'x',
      'y',
    ]);
    await reopened.log.close();
  });
});
