import { type Clock, RateLimitedError } from '@nudge/core';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './routes/route.ts';

/**
 * A token bucket per user: `perMinute` requests, refilled continuously. Kept in this instance's
 * memory, so with N instances a user gets up to N × the limit; that is the price of needing no
 * shared store, and it still stops one client from flooding one instance.
 */
export function createRateLimiter(perMinute: number, clock: Clock, maxUsers = 50_000) {
  const refillPerMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token; returns 0 when allowed, else the seconds until a token is available. */
  return function take(userId: string): number {
    const now = clock.now().getTime();
    const bucket = buckets.get(userId) ?? { tokens: perMinute, at: now };
    // A clock stepping back must not drain the bucket.
    bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * refillPerMs);
    bucket.at = now;
    if (!buckets.has(userId)) {
      if (buckets.size >= maxUsers) buckets.clear();
      buckets.set(userId, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** Route middleware after `requireUser`: a user out of tokens gets 429 with `Retry-After`. */
export function limitPerUser(take: RateLimiter): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const wait = take(c.get('user').sub);
    if (wait > 0) throw new RateLimitedError(wait);
    await next();
  };
}
