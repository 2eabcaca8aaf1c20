import type { ServerResponse } from 'node:http';
import {
  AppError,
  type FrameworkRequest,
  handleOps,
  RateLimitedError,
  sendError,
  sendJson,
  trackRequest,
} from '@nudge/core';
import express from 'express';
import { requestBody } from './body.ts';
import { applyCors } from './cors.ts';
import type { Deps } from './deps.ts';
import { openApiDocument } from './openapi.ts';
import { recurrenceRoutes } from './routes/recurrence.ts';
import type { Outcome, Route } from './routes/route.ts';
import { taskRoutes } from './routes/tasks.ts';
import { transferRoutes } from './routes/transfer.ts';

// `/api/tasks/export` and `/import` before `/api/tasks/:id`, which would otherwise match them.
const routes: Route[] = [...transferRoutes, ...recurrenceRoutes, ...taskRoutes];

const bodyMethods = new Set(['POST', 'PATCH', 'PUT']);

function send(res: ServerResponse, outcome: Outcome): void {
  for (const [name, value] of Object.entries('headers' in outcome ? (outcome.headers ?? {}) : {}))
    res.setHeader(name, value);
  if ('json' in outcome) {
    sendJson(res, outcome.status, outcome.json);
    return;
  }
  res.statusCode = outcome.status;
  if ('text' in outcome) {
    res.setHeader('content-type', outcome.contentType);
    res.end(outcome.text);
  } else {
    res.end();
  }
}

/**
 * The task-api HTTP handler, for functions-framework's `http()`: CORS, probes, OpenAPI, then the
 * routes. Every `/api` route authenticates, rate-limits per user, checks the body, records the
 * user, runs its pure handler and, after a mutation committed, kicks the outbox relay.
 */
export function createTaskApi(deps: Deps) {
  const { logger, metrics } = deps;
  const openApi = JSON.stringify(openApiDocument());
  const tracked = new WeakMap<object, ReturnType<typeof trackRequest>>();
  const router = express.Router();

  for (const route of routes) {
    router[route.method](route.path, (req, res, next) => {
      const tracking = tracked.get(req)!;
      tracking.route = route.path;
      (async () => {
        const user = await deps.authenticate(req.headers.authorization);
        tracking.log.user_id = user.sub;
        const wait = deps.rateLimit(user.sub);
        if (wait > 0) throw new RateLimitedError(wait);
        const body = bodyMethods.has(req.method)
          ? requestBody(req as FrameworkRequest, route.accepts)
          : undefined;
        await deps.ensureUser(user);
        const outcome = await route.handle(
          {
            user,
            params: req.params as Record<string, string>,
            query: req.query,
            body,
            now: deps.clock.now(),
          },
          deps,
        );
        metrics.taskOperations.inc({ operation: route.operation });
        if (route.mutates) deps.relay.kick();
        send(res, outcome);
      })().catch(next);
    });
  }

  return function taskApi(req: FrameworkRequest, res: ServerResponse): void {
    const tracking = trackRequest(req, res, deps);
    tracked.set(req, tracking);
    const path = (req.url ?? '/').split('?')[0]!;
    if (applyCors(req, res, deps.corsOrigins)) {
      tracking.route = 'preflight';
      return;
    }
    (async () => {
      tracking.route = path === '/healthz' || path === '/readyz' || path === '/metrics' ? path : 'unmatched';
      if (await handleOps(req, res, deps)) return;
      if (path === '/openapi.json' && req.method === 'GET') {
        tracking.route = path;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(openApi);
        return;
      }
      router(req as express.Request, res as express.Response, (error?: unknown) => {
        sendError(res, error ?? new AppError('not_found', `no route for ${req.method} ${path}`), logger);
      });
    })().catch((error: unknown) => sendError(res, error, logger));
  };
}
