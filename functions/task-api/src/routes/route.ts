import type { EdgeVariables } from '@nudge/core';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';

/** What task-api's middleware leaves for the route: the edge's variables and the caller. */
export type ApiEnv = { Variables: EdgeVariables & { user: Principal } };

/** What a route handler gets: the authenticated caller and the request's parts, unvalidated. */
export interface ApiInput {
  user: Principal;
  params: Record<string, string>;
  /** Query parameters; a repeated one (`?tag=a&tag=b`) is an array. */
  query: Record<string, string | string[]>;
  /** The parsed JSON body (undefined without one); not read for a `rawBody` route. */
  body: unknown;
  /** The request itself, for a route that reads its own body or answers with its own Response. */
  request: Request;
  now: Date;
}

/**
 * What a route handler returns; the edge turns it into the HTTP response. `response` is sent as
 * it is: a stream (SSE) or the answer of a library that speaks web-standard Request/Response
 * (the MCP SDK's Streamable HTTP transport).
 */
export type Outcome =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  | { status: 204 }
  | { response: Response };

/**
 * One row of task-api's route table. Every route authenticates, is rate-limited per user, has
 * its body checked (unless `rawBody`), records the user, and is tracked under its `path`.
 */
export interface Route {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Path template (`/api/tasks/:id`); also the `route` label of the request metric. */
  path: string;
  /** The `operation` label of task_operations_total. */
  operation: string;
  /** Request body media types; default application/json. Non-JSON bodies arrive as text. */
  accepts?: readonly string[];
  /** True when a success may have committed outbox rows: the relay is kicked afterwards. */
  mutates: boolean;
  /** Also accepts a stream ticket (`?ticket=`) instead of the bearer header: `GET /api/stream` only. */
  ticket?: boolean;
  /** The handler reads `request` itself; the edge neither reads nor checks the body. */
  rawBody?: boolean;
  handle(input: ApiInput, deps: Deps): Promise<Outcome>;
}
