import { startTestSidecar, type TestSidecar } from '@nudge/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent, createDaprPublisher, PublishError, sources } from '../src/index.ts';

let sidecar: TestSidecar;
beforeAll(async () => {
  sidecar = await startTestSidecar();
});
afterAll(() => sidecar.close());
beforeEach(() => {
  sidecar.requests.length = 0;
  sidecar.accepted.length = 0;
  sidecar.events.length = 0;
  sidecar.respondWith(204);
  sidecar.delayAnswers(0);
});

const event = buildEvent({
  type: 'task.completed',
  source: sources.taskApi,
  userId: 'user|42 ü',
  subject: '9b0c7f1e-8d7a-4c1e-9a55-0f0d2b1e6c11',
  payload: { task_id: '9b0c7f1e-8d7a-4c1e-9a55-0f0d2b1e6c11' },
  time: new Date('2026-11-22T10:00:00.000Z'),
}).event;

describe('Dapr publisher', () => {
  it('posts the stored CloudEvents to the bulk publish API, each entry keyed by its event id and user', async () => {
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' });
    const other = { ...event, id: '0b6a3f7e-6c1d-4f0e-8b7a-2c9d1e0f3a4b', partitionkey: 'bob' };
    expect((await publisher.publishBulk('task-events', [event, other])).size).toBe(0);

    expect(sidecar.requests).toHaveLength(1);
    const [request] = sidecar.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1.0-alpha1/publish/bulk/pubsub/task-events');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual([
      {
        entryId: event.id,
        event,
        contentType: 'application/cloudevents+json',
        metadata: { partitionKey: 'user|42 ü' },
      },
      {
        entryId: other.id,
        event: other,
        contentType: 'application/cloudevents+json',
        metadata: { partitionKey: 'bob' },
      },
    ]);
    const stored = sidecar.sidecar.broker.recent('task-events', 10).reverse();
    expect(stored.map((record) => [record.event.id, record.partition_key])).toEqual([
      [event.id, 'user|42 ü'],
      [other.id, 'bob'],
    ]);
    expect(stored[0]?.event).toEqual(expect.objectContaining(event));
  });

  it('returns the entries the broker failed, by event id, and nothing for the accepted ones', async () => {
    sidecar.failEntries((entry) => (entry.key === 'bob' ? 'leader not available' : undefined));
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' });
    const other = { ...event, id: '0b6a3f7e-6c1d-4f0e-8b7a-2c9d1e0f3a4b', partitionkey: 'bob' };
    const failed = await publisher.publishBulk('task-events', [event, other]);
    expect([...failed]).toEqual([[other.id, 'leader not available']]);
    expect(sidecar.events.map((e) => e.event.id)).toEqual([event.id]);
    sidecar.failEntries(undefined);
  });

  it('uses the configured pub/sub component name, and a name the sidecar lacks is pubsub_not_found', async () => {
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'kafka-pubsub' });
    const failure = await publisher.publishBulk('reminders', [event]).catch((error: unknown) => error);
    expect(sidecar.requests[0]?.url).toBe('/v1.0-alpha1/publish/bulk/kafka-pubsub/reminders');
    // The sidecar itself answers (dapr/ declares only `pubsub`): 400 ERR_PUBSUB_NOT_FOUND.
    expect((failure as PublishError).code).toBe('pubsub_not_found');
    expect((failure as PublishError).status).toBe(400);
  });

  it.each([
    [403, 'publish_forbidden'],
    [500, 'publish_failed'],
  ])('turns a %i answer into a PublishError %s', async (status, code) => {
    sidecar.respondWith(status);
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' });
    const failure = await publisher.publishBulk('task-events', [event]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).code).toBe(code);
    expect((failure as PublishError).status).toBe(status);
  });

  it('gives up on a sidecar that does not answer within the timeout', async () => {
    sidecar.delayAnswers(2_000);
    const publisher = createDaprPublisher({
      daprHttpPort: sidecar.port,
      pubsubName: 'pubsub',
      timeoutMs: 100,
    });
    const started = Date.now();
    const failure = await publisher.publishBulk('task-events', [event]).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((failure as PublishError).code).toBe('sidecar_unreachable');
  });

  it('reports an unreachable sidecar', async () => {
    const closed = await startTestSidecar();
    await closed.close();
    const publisher = createDaprPublisher({ daprHttpPort: closed.port, pubsubName: 'pubsub' });
    const failure = await publisher.publishBulk('task-events', [event]).catch((error: unknown) => error);
    expect((failure as PublishError).code).toBe('sidecar_unreachable');
    expect((failure as PublishError).message).toMatch(/ECONNREFUSED/);
  });
});
