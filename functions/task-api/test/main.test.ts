import { type SpawnedMain, spawnMainWithDatabase } from '@nudge/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secret, token } from './harness.ts';

// main.ts as a process, the way images and `npm start` run task-api.
let spawned: SpawnedMain;
let api: SpawnedMain['fn'];
beforeAll(async () => {
  spawned = await spawnMainWithDatabase(new URL('../src/main.ts', import.meta.url), {
    AUTH_JWT_SECRET: secret,
    DAPR_HTTP_PORT: '9', // nothing listens: events stay in the outbox
  });
  api = spawned.fn;
});
afterAll(() => spawned.close());

it('answers a body functions-framework cannot parse with our JSON validation_failed, and writes nothing', async () => {
  const response = await fetch(`${api.url}/api/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('alice')}`, 'content-type': 'application/json' },
    body: '{"title": "unterminated',
  });
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  expect(await response.json()).toEqual({
    error: {
      code: 'validation_failed',
      message: 'request body is not valid JSON',
      details: [{ path: '(body)', message: 'malformed JSON' }],
    },
  });
  expect(await spawned.database.db.selectFrom('tasks').select('id').execute()).toHaveLength(0);
});

it('still authenticates first: a malformed body without a token is a 401', async () => {
  const response = await fetch(`${api.url}/api/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{',
  });
  expect(response.status).toBe(401);
});

it('stops on SIGTERM after finishing in-flight work, with exit code 0', async () => {
  const created = await fetch(`${api.url}/api/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('alice')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'last words' }),
  });
  expect(created.status).toBe(201);
  expect(await api.terminate()).toBe(0);
  expect(api.output()).toMatch(/shutting down/);
  expect(api.output()).toMatch(/"msg":"stopped"/);
});
