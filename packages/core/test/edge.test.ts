import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  createDb,
  createEdge,
  createMetrics,
  RateLimitedError,
  trackRequests,
} from '../src/index.ts';

// The edge every function builds on, called in process: no server, no database round trip
// (the pool below connects lazily and no test asks /readyz).
function edge() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ base: { service: 'edge-test' } }, sink);
  const metrics = createMetrics('edge-test');
  const db = createDb('postgres://nobody:x@127.0.0.1:1/none');
  const app = createEdge({ db, metrics, logger }, { middleware: [trackRequests({ metrics, logger })] });
  return { app, lines, metrics };
}

describe('core HTTP edge', () => {
  it.each([
    ['validation_failed', 400],
    ['unauthorized', 401],
    ['not_found', 404],
    ['method_not_allowed', 405],
    ['conflict', 409],
    ['payload_too_large', 413],
    ['unsupported_media_type', 415],
    ['unavailable', 503],
  ] as const)('answers an AppError %s with %i and the one error body', async (code, status) => {
    const { app } = edge();
    const details = [{ path: 'title', message: 'required' }];
    app.get('/fail', () => {
      throw new AppError(code, `it was ${code}`, { details });
    });
    const res = await app.request('/fail');
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe(JSON.stringify({ error: { code, message: `it was ${code}`, details } }));
  });

  it('sends WWW-Authenticate with a 401 and Retry-After with a 429', async () => {
    const { app } = edge();
    app.get('/login', () => {
      throw new AppError('unauthorized', 'no token');
    });
    app.get('/busy', () => {
      throw new RateLimitedError(7);
    });
    expect((await app.request('/login')).headers.get('www-authenticate')).toBe('Bearer');
    const busy = await app.request('/busy');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('7');
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('hides anything but an AppError behind 500 internal and logs it in full', async () => {
    const { app, lines } = edge();
    app.get('/boom', () => {
      throw new Error('password=hunter2 at db.internal:5432');
    });
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toBe('{"error":{"code":"internal","message":"internal error","details":[]}}');
    expect(lines.find((line) => line.msg === 'request failed')).toMatchObject({
      level: 50,
      err: { message: 'password=hunter2 at db.internal:5432' },
    });
  });

  it('answers an unmatched request with 404 not_found and tracks it as `unmatched`', async () => {
    const { app, lines, metrics } = edge();
    const res = await app.request('/nowhere?x=1', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'no route for DELETE /nowhere', details: [] },
    });
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({
      method: 'DELETE',
      route: 'unmatched',
      status: 404,
    });
    expect(await metrics.registry.metrics()).toMatch(
      /http_request_duration_seconds_count\{service="edge-test",route="unmatched",method="DELETE",status="404"\} 1/,
    );
  });

  it('serves /healthz and /metrics (HEAD too), logging probes at debug level only', async () => {
    const { app, lines } = edge();
    const health = await app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const head = await app.request('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const metrics = await app.request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(
      /http_request_duration_seconds_count\{service="edge-test",route="\/healthz"/,
    );
    expect(lines.filter((line) => line.msg === 'request')).toEqual([]); // pino's default level is info
  });
});
