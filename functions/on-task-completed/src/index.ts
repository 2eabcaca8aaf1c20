import { http } from '@google-cloud/functions-framework';
import {
  createDaprPublisher,
  createDb,
  createLogger,
  createMetrics,
  createOutboxRelay,
  createSubscriber,
  systemClock,
} from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, handleTaskCompleted, taskCompletedPayload } from './handler.ts';

// Dependencies are built once per process; every delivery reuses them.
const config = loadConfig();
const logger = createLogger(consumer, config.LOG_LEVEL);
const metrics = createMetrics(consumer);
const db = createDb(config.DATABASE_URL, { max: 5 });
const relay = createOutboxRelay({
  db,
  publisher: createDaprPublisher({
    daprHttpPort: config.DAPR_HTTP_PORT,
    pubsubName: config.DAPR_PUBSUB_NAME,
  }),
  metrics,
  logger,
  clock: systemClock,
});

http(
  consumer,
  createSubscriber({
    consumer,
    eventType: 'task.completed',
    payloadSchema: taskCompletedPayload,
    handler: handleTaskCompleted,
    deps: { db, relay, clock: systemClock, metrics, logger },
  }),
);
