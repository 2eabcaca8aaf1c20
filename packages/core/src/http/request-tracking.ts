import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EdgeEnv } from './edge.ts';
import { opsPaths } from './ops.ts';

/**
 * Middleware that times a request and, once the response is ready, observes
 * `http_request_duration_seconds` {route, method, status} and writes one log line (probes and
 * scrapes at debug level). `route` is the template a route set (`/api/tasks/:id`), never the raw
 * path: raw ids would give the histogram one series per task; requests no route took stay
 * `unmatched`. A streaming response (SSE) counts until its headers, not until the stream ends.
 */
export function trackRequests<E extends EdgeEnv>(deps: {
  metrics: Metrics;
  logger: Logger;
}): MiddlewareHandler<E> {
  return async (context, next) => {
    // The variables this reads are EdgeEnv's, whatever the function's own env adds.
    const c = context as unknown as Context<EdgeEnv>;
    const started = process.hrtime.bigint();
    await next();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = c.get('route') ?? 'unmatched';
    const method = c.req.method;
    const status = c.res.status;
    deps.metrics.httpRequestDuration.observe({ route, method, status: String(status) }, seconds);
    const line = { method, route, status, duration_ms: Math.round(seconds * 1e4) / 10, ...c.get('log') };
    if (opsPaths.has(route)) deps.logger.debug(line, 'request');
    else deps.logger.info(line, 'request');
  };
}
