import { type SpawnedMain, spawnMainWithDatabase } from '@nudge/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

// main.ts as a process, the way images and `npm start` run the subscriber.
let spawned: SpawnedMain;
let fn: SpawnedMain['fn'];
beforeAll(async () => {
  spawned = await spawnMainWithDatabase(new URL('../src/main.ts', import.meta.url), { DAPR_HTTP_PORT: '9' });
  fn = spawned.fn;
});
afterAll(() => spawned.close());

it('dead-letters a structured delivery whose body is not JSON, with a log line and a metric', async () => {
  const response = await fetch(`${fn.url}/task-completed`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: '{"specversion": "1.0", "id": ',
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'DROP' });
  const metrics = await (await fetch(`${fn.url}/metrics`)).text();
  expect(metrics).toMatch(/events_dead_lettered_total\{[^}]*reason="malformed"[^}]*\} 1/);
  // The log line travels through the child's stdout pipe, which may arrive after the answer.
  await vi.waitFor(() => expect(fn.output()).toMatch(/event dead-lettered/));
});

it('stops on SIGTERM with exit code 0', async () => {
  expect(await fn.terminate()).toBe(0);
});
