import type { Clock, Db, Logger, Metrics, OutboxKick } from '@nudge/core';
import { type Authenticate, createAuthenticator } from './auth.ts';
import type { Config } from './config.ts';
import { createUserRegistry, type EnsureUser } from './ensure-user.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { createStreamHub, type StreamHub } from './stream-hub.ts';

/** Everything a request needs, built once per process. */
export interface Deps {
  corsOrigins: readonly string[];
  /** task-api's public base URL without a trailing slash, or null to derive it from the request. */
  publicUrl: string | null;
  /** The token issuer (AUTH_ISSUER), named as the authorization server in the MCP auth metadata. */
  authIssuer: string | null;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Nudged after every committed mutation; publishing happens outside the request's transaction. */
  relay: OutboxKick;
  authenticate: Authenticate;
  ensureUser: EnsureUser;
  rateLimit: RateLimiter;
  /** This process's open live streams and the LISTEN connection feeding them. */
  streams: StreamHub;
}

/** What task-api shares with every function (core's `createFunctionDeps`); its relay only needs kicking. */
export type SharedDeps = Pick<Deps, 'db' | 'logger' | 'metrics' | 'clock' | 'relay'>;

/** Adds task-api's own dependencies to the shared ones; `overrides` lets tests replace any of them. */
export function createDeps(config: Config, shared: SharedDeps, overrides: Partial<Deps> = {}): Deps {
  const { db, clock, logger } = shared;
  return {
    ...shared,
    corsOrigins: config.CORS_ORIGINS,
    publicUrl: config.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    authIssuer: config.AUTH_ISSUER ?? null,
    authenticate: createAuthenticator(config),
    ensureUser: createUserRegistry(db),
    rateLimit: createRateLimiter(config.RATE_LIMIT_PER_MINUTE, clock),
    streams: createStreamHub({
      db,
      databaseUrl: config.DATABASE_URL,
      logger,
      heartbeatMs: config.STREAM_HEARTBEAT_SECONDS * 1000,
      maxStreamMs: config.STREAM_MAX_SECONDS * 1000,
    }),
    ...overrides,
  };
}
