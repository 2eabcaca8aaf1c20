import { createConfigLoader, env, pipelineEnv } from '@nudge/core';
import { z } from 'zod';

/** cron-scan's whole configuration, read once at startup. */
export const loadConfig = createConfigLoader(
  z.object({
    ...pipelineEnv,
    /**
     * How far ahead a scan claims reminders to send at their exact time: the cron interval
     * (30 s) plus a margin, so every reminder is held by some scan before it is due.
     */
    SCAN_LOOKAHEAD_SECONDS: z.coerce.number().int().min(0).max(600).default(35),
    /** A held reminder's lease outlives its time by this much; then another scan takes it over. */
    SCAN_LEASE_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    SCAN_BATCH_SIZE: env.positiveInt.default(200),
    /** Days the change feed keeps tombstones of deleted tasks; older cursors answer 410 (issue 10: at least 30). */
    CHANGE_RETENTION_DAYS: z.coerce.number().int().min(30).max(3_650).default(30),
  }),
);

export type Config = ReturnType<typeof loadConfig>;
