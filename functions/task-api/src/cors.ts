import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './routes/route.ts';

/**
 * CORS for the allowed origins (`*` in CORS_ORIGINS allows any): adds the headers to every
 * answer for an allowed origin, and answers a preflight itself (204) before authentication.
 */
export function cors(origins: readonly string[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (!origin || origins.length === 0) return next();
    const allowed = origins.includes('*') || origins.includes(origin);
    const headers: Record<string, string> = { vary: 'Origin' };
    if (allowed) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = 'Retry-After';
    }
    if (allowed && c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.set('route', 'preflight');
      return new Response(null, {
        status: 204,
        headers: {
          ...headers,
          'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': 'Authorization, Content-Type',
          'access-control-max-age': '600',
        },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
