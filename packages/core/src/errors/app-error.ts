/** Domain error codes; only the edges map them to HTTP statuses or delivery answers. */
export type AppErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'cursor_expired'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A failure the caller can act on: a stable `code`, a human message and, for validation, per-field details. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: AppErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
  }
}

export const validationFailed = (path: string, message: string) =>
  new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
