// Registers on-reminder-due with functions-framework and builds its dependencies once.
// `main.ts` serves it in images and under `npm start`.
import { http } from '@google-cloud/functions-framework';
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
});

http(
  consumer,
  // Connect, greeting and socket timeouts can each run out once, plus a margin.
  createOnReminderDue({ ...deps, mailer, claimMs: config.SMTP_TIMEOUT_MS * 4 + 10_000 }),
);
