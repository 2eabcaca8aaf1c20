/**
 * SQLSTATEs worth retrying: the same statement can succeed later. Everything else
 * (constraint violations, syntax, data errors) will fail the same way again.
 */
const retryableSqlStates = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '57014', // query_canceled (statement_timeout)
]);

const retryableNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const transientMessages = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
];

/** True when a database error is transient: the delivery should be retried rather than dead-lettered. */
export function isRetryableDbError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (retryableSqlStates.has(code) || retryableNetworkCodes.has(code)) return true;
    if (code.startsWith('08')) return true; // connection_exception class
  }
  return typeof message === 'string' && transientMessages.some((pattern) => pattern.test(message));
}

/** SQLSTATE 23505: a unique constraint said no — used to detect a duplicate occurrence or import. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** SQLSTATE class 22 (data exception): a value PostgreSQL cannot read, e.g. a malformed timestamp. */
export function isDataException(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code.startsWith('22');
}
