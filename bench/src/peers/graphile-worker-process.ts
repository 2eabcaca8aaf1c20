/**
 * The peer of benchmark 5: graphile-worker running on-reminder-due's own handler — the same
 * claim, the same email through the same mailer, the same mark-sent — for jobs scheduled with
 * `run_at`. Only the machinery between "a reminder is due" and "its handler runs" differs:
 * graphile-worker's queue here, cron-scan + outbox + Dapr delivery in Nudge.
 * Runs as its own process, like our functions, so both sides share the machine alike.
 * Usage: node graphile-worker-process.ts '<json options>'; prints "ready" once polling.
 */
import { createDb, createLogger, createMetrics, systemClock } from '@nudge/core';
import { handleReminderDue } from '@nudge/on-reminder-due/handler';
import { createMailer } from '@nudge/on-reminder-due/mailer';
import { run, type Task } from 'graphile-worker';
import { smtpMaxConnections } from '../scenarios/smtp-ceiling.ts';

interface Options {
  connectionString: string;
  smtpUrl: string;
  concurrency: number;
  pollInterval: number;
}

export interface ReminderJob {
  reminder_id: string;
  task_id: string;
  user_id: string;
  reminder_time: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const smtpTimeoutMs = 5_000;
// The same dependencies on-reminder-due's entry builds (pool size, mailer, timeouts).
const deps = {
  db: createDb(options.connectionString, { max: 5 }),
  mailer: createMailer({
    smtpUrl: options.smtpUrl,
    from: 'Nudge <reminders@nudge.localhost>',
    timeoutMs: smtpTimeoutMs,
    // on-reminder-due's default (SMTP_MAX_CONNECTIONS): the same pooled mailer on both sides.
    maxConnections: smtpMaxConnections,
  }),
  clock: systemClock,
  metrics: createMetrics('graphile-peer'),
  logger: createLogger('graphile-peer', 'warn'),
  claimMs: smtpTimeoutMs * 4 + 10_000,
};

const sendReminder: Task = async (payload) => {
  const job = payload as ReminderJob;
  const now = new Date().toISOString();
  const outcome = await handleReminderDue(
    {
      // The reminder id doubles as the event id: one job per reminder, as one reminder.due per reminder.
      id: job.reminder_id,
      type: 'reminder.due',
      source: '/nudge/cron-scan',
      subject: job.task_id,
      time: now,
      traceparent: undefined,
      data: {
        event_id: job.reminder_id,
        event_type: 'reminder.due',
        user_id: job.user_id,
        timestamp: now,
        payload: { task_id: job.task_id, reminder_id: job.reminder_id, reminder_time: job.reminder_time },
      },
    },
    deps,
  );
  // graphile-worker retries a job that throws; a dropped reminder is done (marked failed).
  if (outcome.status === 'RETRY') throw new Error(outcome.reason);
};

const runner = await run({
  connectionString: options.connectionString,
  concurrency: options.concurrency,
  pollInterval: options.pollInterval,
  maxPoolSize: options.concurrency + 2,
  taskList: { send_reminder: sendReminder },
});
console.log('ready');
await runner.promise;
await deps.db.destroy();
deps.mailer.close();
