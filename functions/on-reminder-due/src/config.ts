import { createConfigLoader, env, pipelineEnv } from '@nudge/core';
import { z } from 'zod';

/** on-reminder-due's whole configuration, read once at startup. */
export const loadConfig = createConfigLoader(
  z.object({
    ...pipelineEnv,
    /** `smtp://user:pass@host:587` or `smtps://…`; the local stack points it at its capture server. */
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }),
    MAIL_FROM: z.string().min(3).default('Nudge <reminders@nudge.localhost>'),
    /** Per-phase SMTP timeout (connect, greeting, socket idle); nodemailer's defaults are minutes. */
    SMTP_TIMEOUT_MS: env.positiveInt.default(5_000),
    /** Pooled SMTP connections, the bound on emails sent at once (a bulk delivery's batch shares them). */
    SMTP_MAX_CONNECTIONS: env.positiveInt.default(8),
  }),
);

export type Config = ReturnType<typeof loadConfig>;
