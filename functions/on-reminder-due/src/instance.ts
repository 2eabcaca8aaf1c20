// on-reminder-due as one process holds it: config, dependencies and the app, built once.
// index.ts registers the app with functions-framework; main.ts serves it (images, `npm start`).
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, createOnReminderDue } from './handler.ts';
import { createMailer } from './mailer.ts';

export const config = loadConfig();
export const deps = createFunctionDeps(consumer, config);
export const mailer = createMailer({
  smtpUrl: config.SMTP_URL,
  from: config.MAIL_FROM,
  timeoutMs: config.SMTP_TIMEOUT_MS,
  maxConnections: config.SMTP_MAX_CONNECTIONS,
});

// Connect, greeting and socket timeouts can each run out once, plus a margin.
export const app = createOnReminderDue({ ...deps, mailer, claimMs: config.SMTP_TIMEOUT_MS * 4 + 10_000 });
