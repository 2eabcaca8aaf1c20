import {
  type Clock,
  createFunctionDeps,
  type Db,
  type Logger,
  type Metrics,
  type OutboxKick,
} from '@nudge/core';
import { type Authenticate, createAuthenticator } from './auth.ts';
import type { Config } from './config.ts';
import { createUserRegistry, type EnsureUser } from './ensure-user.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

/** Everything a request needs, built once per process. */
export interface Deps {
  corsOrigins: readonly string[];
  db: Db;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Nudged after every committed mutation; publishing happens outside the request's transaction. */
  relay: OutboxKick;
  authenticate: Authenticate;
  ensureUser: EnsureUser;
  rateLimit: RateLimiter;
}

/** Builds the process's dependencies from its config; `overrides` lets tests stand at a fixed instant. */
export function createDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  const { db, logger, metrics, clock, relay } = createFunctionDeps('task-api', config, {
    dbMax: 10,
    ...(overrides.db && { db: overrides.db }),
    ...(overrides.logger && { logger: overrides.logger }),
    ...(overrides.metrics && { metrics: overrides.metrics }),
    ...(overrides.clock && { clock: overrides.clock }),
  });
  return {
    corsOrigins: config.CORS_ORIGINS,
    db,
    logger,
    metrics,
    clock,
    relay: overrides.relay ?? relay,
    authenticate: overrides.authenticate ?? createAuthenticator(config),
    ensureUser: overrides.ensureUser ?? createUserRegistry(db),
    rateLimit: overrides.rateLimit ?? createRateLimiter(config.RATE_LIMIT_PER_MINUTE, clock),
  };
}
