import { http } from '@google-cloud/functions-framework';
import {
  createDaprPublisher,
  createDb,
  createLogger,
  createMetrics,
  createOutboxRelay,
  systemClock,
} from '@nudge/core';
import { loadConfig } from './config.ts';
import { createCronScanHandler } from './handler.ts';
import { createHeldReminders } from './held-reminders.ts';

// Dependencies are built once per process; every scan reuses them.
const config = loadConfig();
const logger = createLogger('cron-scan', config.LOG_LEVEL);
const metrics = createMetrics('cron-scan');
const db = createDb(config.DATABASE_URL, { max: 5 });
const clock = systemClock;
const relay = createOutboxRelay({
  db,
  publisher: createDaprPublisher({
    daprHttpPort: config.DAPR_HTTP_PORT,
    pubsubName: config.DAPR_PUBSUB_NAME,
  }),
  metrics,
  logger,
  clock,
});
// Leases are not handed back on SIGTERM (functions-framework exits at once); they lapse after the grace.
const held = createHeldReminders({ db, relay, clock, metrics, logger });

http(
  'cron-scan',
  createCronScanHandler({
    db,
    relay,
    held,
    clock,
    metrics,
    logger,
    settings: {
      lookaheadMs: config.SCAN_LOOKAHEAD_SECONDS * 1000,
      leaseGraceMs: config.SCAN_LEASE_GRACE_SECONDS * 1000,
      batchSize: config.SCAN_BATCH_SIZE,
    },
  }),
);
