import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface RequestTracking {
  /**
   * The route template (`/api/tasks/:id`), never the raw path: raw ids would give the histogram
   * one series per task. Requests that match no route stay `unmatched`.
   */
  route: string;
  /** Extra fields for the request's log line (the user id once known). */
  log: Record<string, unknown>;
}

const quietRoutes = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Times a request and, when the response is finished, observes `http_request_duration_seconds`
 * {route, method, status} and writes one log line (probes and scrapes at debug level).
 */
export function trackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { metrics: Metrics; logger: Logger },
): RequestTracking {
  const started = process.hrtime.bigint();
  const tracking: RequestTracking = { route: 'unmatched', log: {} };
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const method = req.method ?? 'GET';
    const status = String(res.statusCode);
    deps.metrics.httpRequestDuration.observe({ route: tracking.route, method, status }, seconds);
    const line = {
      method,
      route: tracking.route,
      status: res.statusCode,
      duration_ms: Math.round(seconds * 1e4) / 10,
      ...tracking.log,
    };
    if (quietRoutes.has(tracking.route)) deps.logger.debug(line, 'request');
    else deps.logger.info(line, 'request');
  });
  return tracking;
}
