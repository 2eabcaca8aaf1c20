import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createDb, requestListener } from '@nudge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, createTaskApi } from '../src/app.ts';
import type { Route } from '../src/routes/route.ts';
import { type Api, startApi, token } from './harness.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi({ env: { CORS_ORIGINS: 'https://app.example' } });
});
afterAll(() => api.close());

const taskCount = async () => (await api.db.selectFrom('tasks').select('id').execute()).length;

describe('request bodies', () => {
  it('answers a malformed JSON body with our 400 validation_failed at (body) and writes nothing', async () => {
    const res = await api.call('POST', '/api/tasks', {
      as: 'alice',
      body: '{"title": "unterminated',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'validation_failed',
        message: 'request body is not valid JSON',
        details: [{ path: '(body)', message: 'malformed JSON' }],
      },
    });
    expect(await taskCount()).toBe(0);
  });

  it.each(['"a string"', '42', 'null'])(
    'refuses a JSON body that is not an object or array (%s) as malformed',
    async (body) => {
      const res = await api.call('POST', '/api/tasks', {
        as: 'alice',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ path: '(body)', message: 'malformed JSON' }]);
    },
  );

  it.each([
    ['a non-UTF charset', { 'content-type': 'application/json; charset=latin1' }],
    ['a content-encoding', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
  ])('refuses a JSON body in %s with 415', async (_what, headers) => {
    const res = await api.call('POST', '/api/tasks', { as: 'alice', body: '{"title":"t"}', headers });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('under functions-framework (func, --target) the framework answers malformed JSON itself, without a stack trace in production', async () => {
    const name = `task-api-framework-${process.pid}`;
    http(name, requestListener(api.app));
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production'; // read by express when the server is created
    const server = getTestServer(name);
    process.env.NODE_ENV = previous;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tasks`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await token('alice')}` };
    try {
      const response = await fetch(url, { method: 'POST', headers, body: '{"title": ' });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(text).toContain('Bad Request');
      expect(text).not.toMatch(/SyntaxError|at JSON\.parse|node_modules/);
      // A body the framework did parse reaches the app from its rawBody.
      const created = await fetch(url, { method: 'POST', headers, body: '{"title":"via the framework"}' });
      expect(created.status).toBe(201);
      const task = (await created.json()) as { id: string; title: string };
      expect(task.title).toBe('via the framework');
      expect((await api.call('DELETE', `/api/tasks/${task.id}`, { as: 'alice' })).status).toBe(204);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses a body over 64 KiB with 413 payload_too_large', async () => {
    const res = await api.call('POST', '/api/tasks', {
      as: 'alice',
      json: { title: 't', description: 'x'.repeat(70_000) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await taskCount()).toBe(0);
  });

  it('accepts a body just under the limit', async () => {
    const res = await api.call('POST', '/api/tasks', {
      as: 'alice',
      json: { title: 't', description: 'x'.repeat(10_000) },
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['text/plain', '{"title":"t"}'],
    ['application/x-www-form-urlencoded', 'title=t'],
  ])('refuses a %s body with 415', async (type, body) => {
    const before = await taskCount();
    const res = await api.call('POST', '/api/tasks', {
      as: 'alice',
      body,
      headers: { 'content-type': type },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(await taskCount()).toBe(before);
  });
});

describe('rate limit', () => {
  it('answers 429 rate_limited with Retry-After once a user used the minute, other users unaffected', async () => {
    const limited = await startApi({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i += 1)
        expect((await limited.call('GET', '/api/tasks', { as: 'alice' })).status).toBe(200);
      const res = await limited.call('GET', '/api/tasks', { as: 'alice' });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(20);
      expect((await limited.call('GET', '/api/tasks', { as: 'bob' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin without authentication', async () => {
    const res = await api.call('OPTIONS', '/api/tasks', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/PATCH/);
  });

  it('adds the allow-origin header for an allowed origin only', async () => {
    const allowed = await api.call('GET', '/api/tasks', {
      as: 'alice',
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await api.call('GET', '/api/tasks', {
      as: 'alice',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('probes, metrics and OpenAPI', () => {
  it('GET /healthz and /readyz answer 200 without a token', async () => {
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api.call('GET', '/readyz');
    expect(ready.status).toBe(200);
  });

  it('GET /metrics exposes request durations by route template and task operations', async () => {
    const task = (await api.call('POST', '/api/tasks', { as: 'alice', json: { title: 'metrics' } })).body;
    await api.call('GET', `/api/tasks/${task.id}`, { as: 'alice' });
    const res = await api.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/api\/tasks\/:id"[^}]*method="GET"[^}]*status="200"/,
    );
    expect(res.text).toMatch(/task_operations_total\{[^}]*operation="create"[^}]*\} [1-9]/);
    expect(res.text).not.toContain(task.id);
  });

  it('GET /openapi.json is OpenAPI 3.1 generated from the request schemas', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks',
        '/api/tasks/{id}',
        '/api/tasks/export',
        '/api/tasks/import',
        '/api/recurrence/preview',
        '/api/tasks/parse',
        '/api/tasks/quick',
        '/api/sync',
        '/api/stream',
        '/api/stream/ticket',
      ]),
    );
    expect(res.body.paths['/api/sync'].get.responses[410]).toBeDefined();
    expect(res.body.paths['/api/sync'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'cursor',
      'page',
      'limit',
    ]);
    const create = res.body.components.schemas.CreateTask;
    expect(create.required).toEqual(['title']);
    expect(create.properties.title).toMatchObject({ type: 'string', minLength: 1, maxLength: 500 });
    expect(create.properties.priority.enum).toEqual(['low', 'medium', 'high', 'urgent']);
    expect(create.additionalProperties).toBe(false);
    const quick = res.body.components.schemas.QuickAdd;
    expect(quick.required).toEqual(['text', 'timezone']);
    expect(quick.properties.text).toMatchObject({ type: 'string', maxLength: 1000 });
    expect(Object.keys(res.body.components.schemas.QuickAddParse.properties)).toEqual([
      'text',
      'timezone',
      'now',
    ]);
    expect(res.body.components.schemas.QuickAddToken.properties.kind.enum).toEqual([
      'date',
      'recurrence',
      'priority',
      'tag',
      'reminder',
    ]);
    const parsed = res.body.paths['/api/tasks/parse'].post.responses[200].content['application/json'].schema;
    expect(parsed.properties.draft).toEqual({ $ref: '#/components/schemas/CreateTask' });
    expect(res.body.paths['/api/tasks/quick'].post.responses[201]).toBeDefined();
    const list = res.body.paths['/api/tasks'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(
      expect.arrayContaining(['status', 'priority', 'tag', 'q', 'sort', 'order', 'limit', 'cursor']),
    );
  });

  it('answers an unknown route with 404 JSON', async () => {
    const res = await api.call('GET', '/api/nothing', { as: 'alice' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('when PostgreSQL is unreachable', () => {
  it('/readyz answers 503 and an API call 500 internal without internal detail', async () => {
    const down = createDb('postgres://nobody:x@127.0.0.1:1/none', { connectionTimeoutMillis: 500 });
    const broken = await startApi({ deps: { db: down } });
    try {
      expect((await broken.call('GET', '/readyz')).status).toBe(503);
      const res = await broken.call('GET', '/api/tasks', { as: 'alice' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error', details: [] } });
    } finally {
      await broken.close();
      await down.destroy();
    }
  });
});

describe('the route table', () => {
  // Routes added the way later ones will be (a live stream, a raw-handler endpoint such as MCP):
  // one entry each, with tracking, authentication and the rate limit applied by the edge.
  const extra: Route[] = [
    {
      method: 'get',
      path: '/api/test-stream/:topic',
      operation: 'test_stream',
      mutates: false,
      async handle({ user, params }) {
        const encoder = new TextEncoder();
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(`event: hello\ndata: ${user.sub}\n\n`));
            controller.enqueue(encoder.encode(`event: topic\ndata: ${params.topic}\n\n`));
            controller.close();
          },
        });
        return { response: new Response(stream, { headers: { 'content-type': 'text/event-stream' } }) };
      },
    },
    {
      method: 'post',
      path: '/api/test-raw',
      operation: 'test_raw',
      mutates: false,
      rawBody: true,
      async handle({ request }) {
        return { response: new Response(`got ${await request.text()}`, { status: 202 }) };
      },
    },
  ];
  const bearer = async (sub: string) => ({ authorization: `Bearer ${await token(sub)}` });

  it('serves a route that answers with a stream (SSE), tracked under its template', async () => {
    const app = createTaskApi(api.deps, [...extra, ...apiRoutes]);
    const res = await app.request('/api/test-stream/news', { headers: await bearer('alice') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe('event: hello\ndata: alice\n\nevent: topic\ndata: news\n\n');
    expect(await api.deps.metrics.registry.metrics()).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/test-stream\/:topic"[^}]*status="200"[^}]*\} 1/,
    );
  });

  it('leaves the body of a rawBody route unread for its handler (no JSON checks)', async () => {
    const app = createTaskApi(api.deps, [...extra, ...apiRoutes]);
    const res = await app.request('/api/test-raw', {
      method: 'POST',
      headers: { ...(await bearer('alice')), 'content-type': 'text/plain' },
      body: 'not json',
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('got not json');
  });

  it('authenticates and rate-limits an added route like every other', async () => {
    const app = createTaskApi({ ...api.deps, rateLimit: () => 7 }, [...extra, ...apiRoutes]);
    const anonymous = await app.request('/api/test-stream/news');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const limited = await app.request('/api/test-raw', { method: 'POST', headers: await bearer('alice') });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
  });
});
