import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';

/** What a route handler gets: the authenticated caller and the request's parts, unvalidated. */
export interface ApiInput {
  user: Principal;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  now: Date;
}

/** What a route handler returns; the edge turns it into the HTTP response. */
export type Outcome =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  | { status: 204 };

export interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path template; also the `route` label of the request metric. */
  path: string;
  /** The `operation` label of task_operations_total. */
  operation: string;
  /** Request body media types; default application/json. Non-JSON bodies arrive as text. */
  accepts?: readonly string[];
  /** True when a success may have committed outbox rows: the relay is kicked afterwards. */
  mutates: boolean;
  handle(input: ApiInput, deps: Deps): Promise<Outcome>;
}
