import type { Hono } from 'hono';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EdgeEnv } from './edge.ts';
import { jsonResponse } from './error-response.ts';

export interface OpsDeps {
  metrics: Metrics;
  /** Readiness = the database answers; without it a function can only fail. */
  db: Db;
  readinessTimeoutMs?: number;
}

async function databaseAnswers(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = sql`select 1`
    .execute(db)
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The paths `opsRoutes` serves; request tracking logs them at debug level. */
export const opsPaths: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * `GET /healthz` (the process runs), `/readyz` (it can reach PostgreSQL) and `/metrics`
 * (Prometheus text), unauthenticated. Hono answers HEAD with the GET route, without a body.
 */
export function opsRoutes<E extends EdgeEnv>(app: Hono<E>, deps: OpsDeps): void {
  app.get('/healthz', (c) => {
    c.set('route', '/healthz');
    return jsonResponse(200, { status: 'ok' });
  });
  app.get('/readyz', async (c) => {
    c.set('route', '/readyz');
    const ready = await databaseAnswers(deps.db, deps.readinessTimeoutMs ?? 2_000);
    return jsonResponse(ready ? 200 : 503, {
      status: ready ? 'ready' : 'unavailable',
      checks: { database: ready },
    });
  });
  app.get('/metrics', async (c) => {
    c.set('route', '/metrics');
    const text = await deps.metrics.registry.metrics();
    return new Response(text, { headers: { 'content-type': deps.metrics.registry.contentType } });
  });
}
