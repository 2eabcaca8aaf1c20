import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface OpsDeps {
  metrics: Metrics;
  /** Readiness = the database answers; without it a function can only fail. */
  db: Db;
  readinessTimeoutMs?: number;
}

/** Writes a JSON body with the right headers; the one way every edge answers in JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
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

const opsPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Answers `GET /healthz` (the process runs), `/readyz` (it can reach PostgreSQL) and `/metrics`
 * (Prometheus text). Returns false for any other request, which the caller then handles.
 */
export async function handleOps(req: IncomingMessage, res: ServerResponse, deps: OpsDeps): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (!opsPaths.has(path) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (path === '/healthz') {
    sendJson(res, 200, { status: 'ok' });
  } else if (path === '/readyz') {
    const ready = await databaseAnswers(deps.db, deps.readinessTimeoutMs ?? 2_000);
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'unavailable',
      checks: { database: ready },
    });
  } else {
    const text = await deps.metrics.registry.metrics();
    res.statusCode = 200;
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.end(text);
  }
  return true;
}
