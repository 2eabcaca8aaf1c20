// Registers cron-scan with functions-framework and builds its dependencies once.
// `main.ts` serves it in images and under `npm start`.
import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { createCronScanHandler } from './handler.ts';
import { createHeldReminders } from './held-reminders.ts';

export const config = loadConfig();
export const deps = createFunctionDeps('cron-scan', config);
/** Reminders leased ahead of their time; handed back at shutdown so the next scan takes them at once. */
export const held = createHeldReminders(deps);

http(
  'cron-scan',
  createCronScanHandler({
    ...deps,
    held,
    settings: {
      lookaheadMs: config.SCAN_LOOKAHEAD_SECONDS * 1000,
      leaseGraceMs: config.SCAN_LEASE_GRACE_SECONDS * 1000,
      batchSize: config.SCAN_BATCH_SIZE,
    },
  }),
);
