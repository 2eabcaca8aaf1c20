import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps, createSubscriber } from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, handleReminderDue, reminderDuePayload } from './handler.ts';
import { createMailer } from './mailer.ts';

// Dependencies are built once per process; every delivery reuses them.
const config = loadConfig();
const { db, clock, metrics, logger } = createFunctionDeps(consumer, config);
const mailer = createMailer({
  smtpUrl: config.SMTP_URL,
  from: config.MAIL_FROM,
  timeoutMs: config.SMTP_TIMEOUT_MS,
});

http(
  consumer,
  createSubscriber({
    consumer,
    eventType: 'reminder.due',
    payloadSchema: reminderDuePayload,
    handler: handleReminderDue,
    // Connect, greeting and socket timeouts can each run out once, plus a margin.
    deps: { db, mailer, clock, metrics, logger, claimMs: config.SMTP_TIMEOUT_MS * 4 + 10_000 },
  }),
);
