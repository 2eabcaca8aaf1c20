import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { getFunction, getTestServer } from '@google-cloud/functions-framework/testing';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../observability/logger.ts';

/** A request as functions-framework hands it over, with what its body parser made of the body. */
export type FrameworkRequest = IncomingMessage & {
  body?: unknown;
  rawBody?: Buffer;
  /** Set when functions-framework could not parse the body; the function decides how to answer. */
  bodyError?: AppError;
};

type BodyParserError = Error & { type?: string; status?: number };

/** body-parser's failures, as the errors our edges already know how to answer. */
function asBodyError(error: BodyParserError): AppError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError('validation_failed', 'request body is not valid JSON', {
        details: [{ path: '(body)', message: 'malformed JSON' }],
      });
    case 'entity.too.large':
      return new AppError('payload_too_large', 'request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', error.message);
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('validation_failed', 'request body was cut short', {
        details: [{ path: '(body)', message: 'incomplete body' }],
      });
    default:
      return null;
  }
}

export interface ServeOptions {
  /** The name the function registered with functions-framework's `http()`. */
  target: string;
  port: number;
  host?: string;
  logger: Logger;
  /** Runs after the server stopped taking requests and the in-flight ones ended (drain the relay, close the pool). */
  onShutdown?: () => Promise<void>;
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  drainTimeoutMs?: number;
}

/**
 * Serves a registered functions-framework function — what `functions-framework --target=<name>`
 * does, with two differences that matter in production:
 *
 * - functions-framework parses the body before the function runs and hands a parse failure to
 *   express's default handler, which answers an HTML page (with a stack trace outside production;
 *   upstream issue functions-framework-nodejs#686). Here such a failure reaches the function
 *   itself as `req.bodyError`, so task-api answers its JSON `validation_failed` and a subscriber
 *   its dead-letter answer.
 * - functions-framework exits on SIGTERM at once. Here SIGTERM (Knative's scale-down) stops
 *   accepting requests, lets in-flight ones finish, runs `onShutdown`, then exits.
 *
 * The server is functions-framework's own (`getTestServer` builds it with `getServer`, the same
 * call its CLI makes), so routing, body parsing and the function signature stay identical.
 */
export async function serveFunction(options: ServeOptions): Promise<Server> {
  const { target, logger } = options;
  const userFunction = getFunction(target) as
    | ((req: FrameworkRequest, res: ServerResponse) => unknown)
    | undefined;
  if (!userFunction) throw new Error(`no function registered as "${target}"`);
  const server = getTestServer(target);
  // The express app is the server's request listener; an error middleware added after
  // functions-framework's routes sees exactly the errors its body parsers passed on.
  const app = server.listeners('request')[0] as unknown as {
    use(
      handler: (
        error: BodyParserError,
        req: FrameworkRequest,
        res: ServerResponse,
        next: (e?: unknown) => void,
      ) => void,
    ): void;
  };
  app.use((error, req, res, next) => {
    const bodyError = asBodyError(error);
    if (!bodyError || res.headersSent) return next(error);
    req.bodyError = bodyError;
    Promise.resolve(userFunction(req, res)).catch(next);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  logger.info({ target, port: options.port }, 'serving');

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
