import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';

/** `npm start`'s configuration: where data lives, what to reuse instead of starting, which ports. */
export const loadLauncherConfig = createConfigLoader(
  z.object({
    /** PostgreSQL data, the sidecar's topics, captured mail and the dev JWT secret live here. */
    DATA_DIR: z.string().default('.data'),
    /** Use this database instead of starting an embedded PostgreSQL. */
    DATABASE_URL: env.databaseUrl.optional(),
    /** Send reminder mail through this server instead of capturing it to DATA_DIR/mail. */
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    MAIL_FROM: z.string().min(3).default('Nudge <nudge@localhost>'),
    /** HS256 secret for task-api (and the printed demo token); when unset one is generated into DATA_DIR. */
    AUTH_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    LOG_LEVEL: env.logLevel,
    TASK_API_PORT: env.port.default(8080),
    ON_TASK_COMPLETED_PORT: env.port.default(8081),
    ON_REMINDER_DUE_PORT: env.port.default(8082),
    CRON_SCAN_PORT: env.port.default(8083),
    DAPR_HTTP_PORT: env.port.default(3500),
    SMTP_CAPTURE_PORT: env.port.default(1025),
    /** The web page listing captured mail. */
    MAIL_HTTP_PORT: env.port.default(1080),
    /** The web app. */
    WEB_PORT: env.port.default(8090),
    /** The embedded PostgreSQL's port (fixed, so a psql URL stays valid across restarts). */
    POSTGRES_PORT: env.port.default(5433),
  }),
);

export type LauncherConfig = ReturnType<typeof loadLauncherConfig>;
