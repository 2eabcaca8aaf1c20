import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { createCronScanHandler } from './handler.ts';
import { createHeldReminders } from './held-reminders.ts';

// Dependencies are built once per process; every scan reuses them.
const config = loadConfig();
const deps = createFunctionDeps('cron-scan', config);
// Leases are not handed back on SIGTERM (functions-framework exits at once); they lapse after the grace.
const held = createHeldReminders(deps);

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
