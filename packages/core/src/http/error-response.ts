import { AppError, type AppErrorCode, type ErrorDetail } from '../errors/app-error.ts';

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
  method_not_allowed: 405,
  conflict: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: AppErrorCode; message: string; details: readonly ErrorDetail[] };
}

/** A JSON response as every edge sends it (task-api's resources, error bodies, delivery answers). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** True when `errorResponse` hides the error behind a 500 `internal`: the edge must log it. */
export const isInternal = (error: unknown): boolean =>
  !(error instanceof AppError) || error.code === 'internal';

/**
 * The one function that builds an error answer, for every function's edge. An AppError shows its
 * code, message and details; anything else is a 500 `internal` that says nothing about what went
 * wrong inside.
 */
export function errorResponse(error: unknown): Response {
  if (isInternal(error) || !(error instanceof AppError)) {
    const body: ErrorBody = { error: { code: 'internal', message: 'internal error', details: [] } };
    return jsonResponse(500, body);
  }
  const headers: Record<string, string> = {};
  if (error.code === 'unauthorized') headers['www-authenticate'] = 'Bearer';
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  const body: ErrorBody = { error: { code: error.code, message: error.message, details: error.details } };
  return jsonResponse(httpStatusFor[error.code], body, headers);
}
