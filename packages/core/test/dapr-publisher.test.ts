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
  it('posts the stored CloudEvent to the sidecar publish API with the user as partition key', async () => {
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' });
    await publisher.publish('task-events', event);

    expect(sidecar.requests).toHaveLength(1);
    const [request] = sidecar.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1.0/publish/pubsub/task-events?metadata.partitionKey=user%7C42%20%C3%BC');
    expect(new URL(request!.url, 'http://x').searchParams.get('metadata.partitionKey')).toBe('user|42 ü');
    expect(request?.headers['content-type']).toBe('application/cloudevents+json');
    expect(JSON.parse(request!.body)).toEqual(event);
    expect(sidecar.sidecar.published('task-events')).toEqual([expect.objectContaining(event)]);
  });

  it('uses the configured pub/sub component name, and a name the sidecar lacks is pubsub_not_found', async () => {
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'kafka-pubsub' });
    const failure = await publisher.publish('reminders', event).catch((error: unknown) => error);
    expect(sidecar.requests[0]?.url.startsWith('/v1.0/publish/kafka-pubsub/reminders?')).toBe(true);
    // The sidecar itself answers (dapr/ declares only `pubsub`): 404 ERR_PUBSUB_NOT_FOUND.
    expect((failure as PublishError).code).toBe('pubsub_not_found');
    expect((failure as PublishError).status).toBe(404);
  });

  it.each([
    [403, 'publish_forbidden'],
    [500, 'publish_failed'],
  ])('turns a %i answer into a PublishError %s', async (status, code) => {
    sidecar.respondWith(status);
    const publisher = createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' });
    const failure = await publisher.publish('task-events', event).catch((error: unknown) => error);
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
    const failure = await publisher.publish('task-events', event).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((failure as PublishError).code).toBe('sidecar_unreachable');
  });

  it('reports an unreachable sidecar', async () => {
    const closed = await startTestSidecar();
    await closed.close();
    const publisher = createDaprPublisher({ daprHttpPort: closed.port, pubsubName: 'pubsub' });
    const failure = await publisher.publish('task-events', event).catch((error: unknown) => error);
    expect((failure as PublishError).code).toBe('sidecar_unreachable');
    expect((failure as PublishError).message).toMatch(/ECONNREFUSED/);
  });
});
