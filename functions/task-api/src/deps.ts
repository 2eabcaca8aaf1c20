import {
  type Clock,
  createDaprPublisher,
  createDb,
  createLogger,
  createMetrics,
  createOutboxRelay,
  type Db,
  type Logger,
  type Metrics,
  type OutboxKick,
  systemClock,
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
  const logger = overrides.logger ?? createLogger('task-api', config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics('task-api');
  const clock = overrides.clock ?? systemClock;
  const db = overrides.db ?? createDb(config.DATABASE_URL);
  const relay =
    overrides.relay ??
    createOutboxRelay({
      db,
      publisher: createDaprPublisher({
        daprHttpPort: config.DAPR_HTTP_PORT,
        pubsubName: config.DAPR_PUBSUB_NAME,
      }),
      metrics,
      logger,
      clock,
    });
  return {
    corsOrigins: config.CORS_ORIGINS,
    db,
    logger,
    metrics,
    clock,
    relay,
    authenticate: overrides.authenticate ?? createAuthenticator(config),
    ensureUser: overrides.ensureUser ?? createUserRegistry(db),
    rateLimit: overrides.rateLimit ?? createRateLimiter(config.RATE_LIMIT_PER_MINUTE, clock),
  };
}
