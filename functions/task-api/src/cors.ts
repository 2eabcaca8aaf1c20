import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Adds CORS headers for an allowed origin (`*` in CORS_ORIGINS allows any). Answers a preflight
 * itself (204) and returns true then; the request goes no further.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || origins.length === 0) return false;
  res.setHeader('vary', 'Origin');
  if (!origins.includes('*') && !origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-expose-headers', 'Retry-After');
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.setHeader('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
  res.setHeader('access-control-allow-headers', 'Authorization, Content-Type');
  res.setHeader('access-control-max-age', '600');
  res.statusCode = 204;
  res.end();
  return true;
}
