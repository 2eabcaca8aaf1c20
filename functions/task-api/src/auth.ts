import { AppError, logFields } from '@nudge/core';
import type { MiddlewareHandler } from 'hono';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import type { ApiEnv } from './routes/route.ts';

/** Who is calling: the JWT `sub` and, when the token carries it, the `email` claim. */
export interface Principal {
  sub: string;
  email: string | null;
}

/** Verifies an `Authorization` header value; throws `unauthorized`. */
export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

export interface AuthOptions {
  AUTH_JWT_SECRET?: string | undefined;
  AUTH_JWKS_URL?: string | undefined;
  AUTH_ISSUER?: string | undefined;
  AUTH_AUDIENCE?: string | undefined;
}

const asymmetric = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];

const unauthorized = (message: string, cause?: unknown) => new AppError('unauthorized', message, { cause });

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token ${error.claim} claim rejected`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  return 'invalid token';
}

const toleranceS = 5;

/** The verified-token memory: how long an entry lives, how many are kept, and the clock (tests). */
export interface TokenCacheOptions {
  maxAgeMs?: number;
  capacity?: number;
  now?: () => number;
}

/**
 * HS256 tokens are checked against AUTH_JWT_SECRET, asymmetric ones against AUTH_JWKS_URL (keys
 * fetched and cached by jose, refetched when an unknown `kid` appears). The algorithm comes from
 * the token header but is only ever matched against the keys configured for it, so a token
 * cannot pick a weaker path (no `none`, no HS256 signed with a public key).
 *
 * A token once verified is remembered, by its exact text, for `maxAgeMs` or until it expires,
 * whichever is first: checking a signature (an HMAC, or RSA with a JWKS) costs more CPU than the
 * rest of a small request, and a client sends the same token with every request until it renews
 * it. A key removed from the JWKS thus stops working within `maxAgeMs` rather than at once.
 */
export function createAuthenticator(options: AuthOptions, cache: TokenCacheOptions = {}): Authenticate {
  const now = cache.now ?? Date.now;
  const maxAgeMs = cache.maxAgeMs ?? 60_000;
  const capacity = cache.capacity ?? 10_000;
  const verified = new Map<string, { principal: Principal; until: number }>();
  const secret = options.AUTH_JWT_SECRET ? new TextEncoder().encode(options.AUTH_JWT_SECRET) : null;
  const jwks = options.AUTH_JWKS_URL ? createRemoteJWKSet(new URL(options.AUTH_JWKS_URL)) : null;
  const claims: JWTVerifyOptions = { clockTolerance: toleranceS };
  if (options.AUTH_ISSUER) claims.issuer = options.AUTH_ISSUER;
  if (options.AUTH_AUDIENCE) claims.audience = options.AUTH_AUDIENCE;

  return async (authorization) => {
    const match = /^Bearer[ ]+([A-Za-z0-9_\-.]+)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw unauthorized('missing or malformed Authorization: Bearer <token> header');
    const token = match[1]!;
    const known = verified.get(token);
    if (known && known.until > now()) return known.principal;
    if (known) verified.delete(token);
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw unauthorized('invalid token', error);
    }
    let payload: JWTPayload;
    // jose checks exp/nbf against our clock, the one the memory's expiry is kept on.
    const checks: JWTVerifyOptions = { ...claims, currentDate: new Date(now()) };
    try {
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...checks, algorithms: ['HS256'] }));
      } else if (alg && asymmetric.includes(alg) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...checks, algorithms: asymmetric }));
      } else {
        throw unauthorized(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unauthorized(reason(error), error);
    }
    // PostgreSQL text cannot hold U+0000: such a claim could never be stored as a user.
    const storable = (value: unknown): value is string =>
      typeof value === 'string' && !value.includes('\u0000');
    if (!storable(payload.sub) || payload.sub === '' || payload.sub.length > 255)
      throw unauthorized('token has no usable sub claim');
    const email = storable(payload.email) && payload.email.length <= 320 ? payload.email : null;
    const principal = { sub: payload.sub, email };
    // Never past the moment jose would start refusing it (exp plus the tolerance).
    const expires = payload.exp === undefined ? Infinity : (payload.exp + toleranceS) * 1000;
    if (verified.size >= capacity) verified.clear();
    verified.set(token, { principal, until: Math.min(expires, now() + maxAgeMs) });
    return principal;
  };
}

/** Turns a stream ticket into the user it was issued to; throws `unauthorized`. */
export type RedeemTicket = (ticket: string) => Promise<string>;

/**
 * Route middleware: the caller becomes `user` (and the log line's `user_id`), or the request a
 * 401. With `redeemTicket` (the live stream only), a request without an Authorization header may
 * instead carry `?ticket=`: what a browser's EventSource, which cannot set headers, can send.
 * The long-lived JWT itself is never accepted in a URL.
 */
export function requireUser(
  authenticate: Authenticate,
  redeemTicket?: RedeemTicket,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    const ticket = c.req.query('ticket');
    const user =
      redeemTicket && authorization === undefined && ticket !== undefined
        ? { sub: await redeemTicket(ticket), email: null }
        : await authenticate(authorization);
    c.set('user', user);
    logFields(c, { user_id: user.sub });
    await next();
  };
}
