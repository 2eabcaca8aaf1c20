import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';

/** on-task-completed's whole configuration, read once at startup. */
export const loadConfig = createConfigLoader(
  z.object({
    DATABASE_URL: env.databaseUrl,
    PORT: env.port.default(8080),
    LOG_LEVEL: env.logLevel,
    DAPR_HTTP_PORT: env.port.default(3500),
    DAPR_PUBSUB_NAME: z.string().min(1).default('pubsub'),
  }),
);

export type Config = ReturnType<typeof loadConfig>;
