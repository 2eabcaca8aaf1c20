import { Hono, type MiddlewareHandler } from 'hono';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../observability/logger.ts';
import { errorResponse, isInternal } from './error-response.ts';
import { type OpsDeps, opsRoutes } from './ops.ts';

/** What the edge's middleware and routes share about one request. */
export interface EdgeVariables {
  /** The route template for metrics and logs (`/api/tasks/:id`); unset means `unmatched`. */
  route?: string;
  /** Extra fields for the request's log line (the user id once known). */
  log?: Record<string, unknown>;
}

export type EdgeEnv = { Variables: EdgeVariables };

/**
 * The HTTP edge every function builds on: a Hono app with `middleware` first (in order), then
 * the probes and /metrics, then whatever routes the function adds. Every error a route throws
 * and every unmatched request is answered by `errorResponse`, here and nowhere else; an error it
 * hides behind 500 `internal` is logged in full.
 */
export function createEdge<E extends EdgeEnv = EdgeEnv>(
  deps: OpsDeps & { logger: Logger },
  options: { middleware?: MiddlewareHandler<E>[] } = {},
): Hono<E> {
  // strict: false — `/api/tasks/` is `/api/tasks`, as it was under express.
  const app = new Hono<E>({ strict: false });
  for (const middleware of options.middleware ?? []) app.use(middleware);
  opsRoutes(app, deps);
  app.notFound((c) => errorResponse(new AppError('not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error) => {
    if (isInternal(error)) {
      deps.logger.error(
        { err: { type: error.name, message: error.message, stack: error.stack } },
        'request failed',
      );
    }
    return errorResponse(error);
  });
  return app;
}

/** Adds fields to the request's log line. */
export function logFields(
  c: {
    get(key: 'log'): Record<string, unknown> | undefined;
    set(key: 'log', value: Record<string, unknown>): void;
  },
  fields: Record<string, unknown>,
): void {
  c.set('log', { ...c.get('log'), ...fields });
}
