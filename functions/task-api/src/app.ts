import { createEdge, jsonResponse, redeemStreamTicket, trackRequests } from '@nudge/core';
import type { Context } from 'hono';
import { requireUser } from './auth.ts';
import { requestBody } from './body.ts';
import { cors } from './cors.ts';
import type { Deps } from './deps.ts';
import { mcpRoutes } from './mcp/endpoint.ts';
import { openApiDocument } from './openapi.ts';
import { limitPerUser } from './rate-limit.ts';
import { quickAddRoutes } from './routes/quick-add.ts';
import { recurrenceRoutes } from './routes/recurrence.ts';
import type { ApiEnv, Outcome, Route } from './routes/route.ts';
import { syncRoutes } from './routes/sync.ts';
import { taskRoutes } from './routes/tasks.ts';
import { transferRoutes } from './routes/transfer.ts';

/**
 * task-api's route table. Adding a route is one entry here (or in one of these lists); the edge
 * applies tracking, authentication, the rate limit and body checks to each. `/api/tasks/export`,
 * `/import`, `/parse` and `/quick` come before `/api/tasks/:id`, which would otherwise match them.
 */
export const apiRoutes: readonly Route[] = [
  ...transferRoutes,
  ...quickAddRoutes,
  ...recurrenceRoutes,
  ...taskRoutes,
  ...syncRoutes,
];

const bodyMethods = new Set(['POST', 'PATCH', 'PUT']);

function toResponse(outcome: Outcome): Response {
  if ('response' in outcome) return outcome.response;
  const headers = 'headers' in outcome ? (outcome.headers ?? {}) : {};
  if ('json' in outcome) return jsonResponse(outcome.status, outcome.json, headers);
  if ('text' in outcome)
    return new Response(outcome.text, {
      status: outcome.status,
      headers: { ...headers, 'content-type': outcome.contentType },
    });
  return new Response(null, { status: outcome.status });
}

/** Query parameters as node's querystring gave them: one value a string, a repeated one an array. */
function queryOf(c: Context<ApiEnv>): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([name, values]) => [
      name,
      values.length === 1 ? values[0]! : values,
    ]),
  );
}

/**
 * task-api's HTTP app: request tracking and CORS, the probes and /metrics (core's edge),
 * /openapi.json, then `routes`. Each route, in order: its template becomes the metric label, the
 * caller is authenticated and rate-limited, the body is read and checked, the user recorded,
 * the pure handler runs and, after a mutation committed, the outbox relay is kicked. Errors go
 * to core's one error answer.
 */
export function createTaskApi(deps: Deps, routes: readonly Route[] = apiRoutes) {
  const { metrics } = deps;
  const app = createEdge<ApiEnv>(deps, { middleware: [trackRequests(deps), cors(deps.corsOrigins)] });

  const openApi = JSON.stringify(openApiDocument());
  app.get('/openapi.json', (c) => {
    c.set('route', '/openapi.json');
    return new Response(openApi, { headers: { 'content-type': 'application/json; charset=utf-8' } });
  });

  mcpRoutes(app, deps);

  const authenticated = requireUser(deps.authenticate);
  const authenticatedOrTicket = requireUser(deps.authenticate, (ticket) =>
    redeemStreamTicket(deps.db, ticket, deps.clock.now()),
  );
  const limited = limitPerUser(deps.rateLimit);
  for (const route of routes) {
    app.on(
      route.method.toUpperCase(),
      route.path,
      async (c, next) => {
        c.set('route', route.path);
        await next();
      },
      route.ticket ? authenticatedOrTicket : authenticated,
      limited,
      async (c) => {
        const request = c.req.raw;
        const body =
          !route.rawBody && bodyMethods.has(c.req.method)
            ? await requestBody(request, route.accepts)
            : undefined;
        const user = c.get('user');
        await deps.ensureUser(user);
        const outcome = await route.handle(
          { user, params: c.req.param(), query: queryOf(c), body, request, now: deps.clock.now() },
          deps,
        );
        metrics.taskOperations.inc({ operation: route.operation });
        if (route.mutates) deps.relay.kick();
        return toResponse(outcome);
      },
    );
  }
  return app;
}
