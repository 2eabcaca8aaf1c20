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

/**
 * HS256 tokens are checked against AUTH_JWT_SECRET, asymmetric ones against AUTH_JWKS_URL (keys
 * fetched and cached by jose, refetched when an unknown `kid` appears). The algorithm comes from
 * the token header but is only ever matched against the keys configured for it, so a token
 * cannot pick a weaker path (no `none`, no HS256 signed with a public key).
 */
export function createAuthenticator(options: AuthOptions): Authenticate {
  const secret = options.AUTH_JWT_SECRET ? new TextEncoder().encode(options.AUTH_JWT_SECRET) : null;
  const jwks = options.AUTH_JWKS_URL ? createRemoteJWKSet(new URL(options.AUTH_JWKS_URL)) : null;
  const claims: JWTVerifyOptions = { clockTolerance: 5 };
  if (options.AUTH_ISSUER) claims.issuer = options.AUTH_ISSUER;
  if (options.AUTH_AUDIENCE) claims.audience = options.AUTH_AUDIENCE;

  return async (authorization) => {
    const match = /^Bearer[ ]+([A-Za-z0-9_\-.]+)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw unauthorized('missing or malformed Authorization: Bearer <token> header');
    const token = match[1]!;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw unauthorized('invalid token', error);
    }
    let payload: JWTPayload;
    try {
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...claims, algorithms: ['HS256'] }));
      } else if (alg && asymmetric.includes(alg) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...claims, algorithms: asymmetric }));
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
    return { sub: payload.sub, email };
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
