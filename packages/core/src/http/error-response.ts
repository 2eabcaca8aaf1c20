import type { ServerResponse } from 'node:http';
import { AppError, type AppErrorCode, type ErrorDetail } from '../errors/app-error.ts';
import type { Logger } from '../observability/logger.ts';
import { sendJson } from './ops.ts';

/** `rate_limited` with how long to wait, which the edge sends as `Retry-After`. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('rate_limited', `too many requests; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The one place an error code becomes an HTTP status. */
export const httpStatusFor: Record<AppErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
};

export interface ErrorBody {
  error: { code: AppErrorCode; message: string; details: readonly ErrorDetail[] };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/**
 * The JSON answer for anything a request threw. An AppError shows its code, message and details;
 * anything else is a 500 `internal` that says nothing about what went wrong inside.
 */
export function errorResponse(error: unknown): ErrorResponse {
  if (!(error instanceof AppError) || error.code === 'internal') {
    return {
      status: 500,
      body: { error: { code: 'internal', message: 'internal error', details: [] } },
      headers: {},
    };
  }
  const headers: Record<string, string> = {};
  if (error.code === 'unauthorized') headers['www-authenticate'] = 'Bearer';
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  return {
    status: httpStatusFor[error.code],
    body: { error: { code: error.code, message: error.message, details: error.details } },
    headers,
  };
}

/** Answers with `errorResponse(error)`; 5xx are logged with the full error (the client sees none of it). */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  const { status, body, headers } = errorResponse(error);
  if (status >= 500) {
    logger.error(
      {
        err:
          error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : error,
      },
      'request failed',
    );
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, body);
}
