import type { Server } from 'node:http';
import { createAdaptorServer, getRequestListener } from '@hono/node-server';
import type { Logger } from '../observability/logger.ts';

/** What serves a request: a Hono app, or anything with the same web-standard `fetch`. */
export interface FetchApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/**
 * The app as a Node `(req, res)` listener, for functions-framework's `http(name, …)`: the
 * framework has already read the body (it sets `req.rawBody`), and @hono/node-server builds the
 * Request from `rawBody` then, so `functions-framework --target` and `func` run the same app.
 */
export const requestListener = (app: FetchApp) => getRequestListener(app.fetch);

export interface ServeOptions {
  app: FetchApp;
  /** The function's name, for the startup log line. */
  name: string;
  port: number;
  host?: string;
  logger: Logger;
  /** Runs after the server stopped taking requests and the in-flight ones ended (drain the relay, close the pool). */
  onShutdown?: () => Promise<void>;
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  drainTimeoutMs?: number;
}

/**
 * Serves a function's app on a plain Node HTTP server (images, `npm start`). The app reads each
 * body itself, so a malformed one gets the function's own answer (task-api's JSON 400, a
 * subscriber's dead-letter). SIGTERM (Knative's scale-down) and SIGINT stop accepting requests,
 * let in-flight ones finish (closing their connections after `drainTimeoutMs`), run
 * `onShutdown`, then exit.
 */
export async function serveApp(options: ServeOptions): Promise<Server> {
  const { logger } = options;
  const server = createAdaptorServer({ fetch: options.app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  logger.info({ target: options.name, port: options.port }, 'serving');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
    drained
      .then(() => options.onShutdown?.())
      .then(
        () => {
          clearTimeout(timer);
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return server;
}
