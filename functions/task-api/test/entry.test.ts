import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createTestDatabase, startTestSidecar, type TestDatabase, type TestSidecar } from '@nudge/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secret, token } from './harness.ts';

// The real entry point: config from the environment, deps built once, the handler registered as
// `task-api`, and the outbox relay publishing to a Dapr sidecar (the local stack's, recorded).
let testDb: TestDatabase;
let sidecar: TestSidecar;
let server: ReturnType<typeof getTestServer>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  sidecar = await startTestSidecar();
  Object.assign(process.env, {
    DATABASE_URL: testDb.url,
    AUTH_JWT_SECRET: secret,
    DAPR_HTTP_PORT: String(sidecar.port),
    LOG_LEVEL: 'error',
  });
  await import('../src/index.ts');
  server = getTestServer('task-api');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await sidecar.close();
  await testDb.drop();
});

it('publishes the events of a committed mutation through the Dapr sidecar right after the response', async () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const response = await fetch(`${base}/api/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('alice')}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Published',
      due_at: '2030-01-01T09:00:00Z',
      reminders: [{ before: 'PT1H' }],
    }),
  });
  expect(response.status).toBe(201);
  const task = (await response.json()) as { id: string };
  await expect.poll(() => sidecar.events.length, { timeout: 5_000 }).toBe(2);
  expect(sidecar.events.map((e) => [e.topic, e.key])).toEqual([
    ['task-events', 'alice'],
    ['reminders', 'alice'],
  ]);
  expect(sidecar.accepted.map((p) => p.url)).toEqual([
    '/v1.0-alpha1/publish/bulk/pubsub/task-events',
    '/v1.0-alpha1/publish/bulk/pubsub/reminders',
  ]);
  expect(sidecar.sidecar.published('task-events')).toEqual([
    expect.objectContaining({ type: 'task.created', subject: task.id, partitionkey: 'alice' }),
  ]);
  await expect
    .poll(
      async () =>
        (
          await testDb.db
            .selectFrom('outbox')
            .select('published_at')
            .where('published_at', 'is', null)
            .execute()
        ).length,
    )
    .toBe(0);
});
