import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps, createSubscriber } from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, handleTaskCompleted, taskCompletedPayload } from './handler.ts';

// Dependencies are built once per process; every delivery reuses them.
const deps = createFunctionDeps(consumer, loadConfig());

http(
  consumer,
  createSubscriber({
    consumer,
    eventType: 'task.completed',
    payloadSchema: taskCompletedPayload,
    handler: handleTaskCompleted,
    deps,
  }),
);
