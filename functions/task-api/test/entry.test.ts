import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createTestDatabase, type TestDatabase } from '@nudge/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secret, token } from './harness.ts';

// The real entry point: config from the environment, deps built once, the handler registered as
// `task-api`, and the outbox relay publishing to a Dapr sidecar (here a stand-in that records).
let testDb: TestDatabase;
let sidecar: Server;
let server: ReturnType<typeof getTestServer>;
const published: { url: string; contentType: string; body: any }[] = [];

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  testDb = await createTestDatabase();
  sidecar = createServer(async (req, res) => {
    published.push({
      url: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      body: JSON.parse(await read(req)),
    });
    res.statusCode = 204;
    res.end();
  });
  await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    DATABASE_URL: testDb.url,
    AUTH_JWT_SECRET: secret,
    DAPR_HTTP_PORT: String((sidecar.address() as AddressInfo).port),
    LOG_LEVEL: 'error',
  });
  await import('../src/index.ts');
  server = getTestServer('task-api');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  sidecar.close();
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
  await expect.poll(() => published.length, { timeout: 5_000 }).toBe(2);
  expect(published.map((p) => p.url)).toEqual([
    '/v1.0/publish/pubsub/task-events?metadata.partitionKey=alice',
    '/v1.0/publish/pubsub/reminders?metadata.partitionKey=alice',
  ]);
  expect(published[0]!.contentType).toBe('application/cloudevents+json');
  expect(published[0]!.body).toMatchObject({ type: 'task.created', subject: task.id, partitionkey: 'alice' });
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
