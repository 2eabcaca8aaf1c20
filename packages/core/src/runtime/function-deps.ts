import { createDb } from '../db/create-db.ts';
import type { Db } from '../db/database.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { createOutboxRelay, type OutboxRelay } from '../outbox/relay.ts';
import { createDaprPublisher } from '../publish/dapr-publisher.ts';
import { type Clock, systemClock } from '../time/clock.ts';

/** The variables every function shares (see `pipelineEnv`), as its loaded config has them. */
export interface SharedConfig {
  DATABASE_URL: string;
  LOG_LEVEL: string;
  DAPR_HTTP_PORT: number;
  DAPR_PUBSUB_NAME: string;
}

/** What every function builds once per process: logger, metrics, pool, clock and outbox relay. */
export interface FunctionDeps {
  logger: Logger;
  metrics: Metrics;
  db: Db;
  clock: Clock;
  relay: OutboxRelay;
}

/**
 * Builds a function's shared dependencies from its config. `overrides` lets tests substitute a
 * database or a fixed clock; the relay is then built on top of what was substituted.
 */
export function createFunctionDeps(
  service: string,
  config: SharedConfig,
  overrides: Partial<FunctionDeps> & { dbMax?: number } = {},
): FunctionDeps {
  const logger = overrides.logger ?? createLogger(service, config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics(service);
  const db = overrides.db ?? createDb(config.DATABASE_URL, { max: overrides.dbMax ?? 5 });
  const clock = overrides.clock ?? systemClock;
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
  return { logger, metrics, db, clock, relay };
}

/** Shutdown's last step: publish what the relay still has in hand, then close the pool. */
export async function closeFunctionDeps(deps: Pick<FunctionDeps, 'relay' | 'db'>): Promise<void> {
  await deps.relay.idle();
  await deps.db.destroy();
}
