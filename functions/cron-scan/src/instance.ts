// cron-scan as one process holds it: config, dependencies and the app, built once. index.ts
// registers the app with functions-framework; main.ts serves it (images, `npm start`).
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { createCronScanApp } from './handler.ts';
import { createHeldReminders } from './held-reminders.ts';

export const config = loadConfig();
export const deps = createFunctionDeps('cron-scan', config);
/** Reminders leased ahead of their time; handed back at shutdown so the next scan takes them at once. */
export const held = createHeldReminders(deps);

export const app = createCronScanApp({
  ...deps,
  held,
  settings: {
    lookaheadMs: config.SCAN_LOOKAHEAD_SECONDS * 1000,
    leaseGraceMs: config.SCAN_LEASE_GRACE_SECONDS * 1000,
    batchSize: config.SCAN_BATCH_SIZE,
    changeRetentionMs: config.CHANGE_RETENTION_DAYS * 86_400_000,
  },
});
