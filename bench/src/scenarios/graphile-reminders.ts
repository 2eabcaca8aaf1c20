import { join } from 'node:path';
import { makeWorkerUtils, runMigrations } from 'graphile-worker';
import type { BenchPostgres } from '../harness/postgres.ts';
import { spawnNode } from '../harness/processes.ts';
import { seedDueReminders } from '../harness/seed.ts';
import type { SmtpSink } from '../harness/smtp-sink.ts';
import type { ReminderJob } from '../peers/graphile-worker-process.ts';
import { type DeliveryOutcome, deliveryOutcome } from './lateness.ts';

const workerScript = join(import.meta.dirname, '..', 'peers', 'graphile-worker-process.ts');

export interface PeerSettings {
  concurrency: number;
  pollInterval: number;
}

/**
 * `count` reminders due in the same second, each a graphile-worker job with `run_at` at that
 * second, run by a separate worker process against the same PostgreSQL and SMTP server.
 */
export async function graphileReminderBurst(
  postgres: BenchPostgres,
  sink: SmtpSink,
  options: { count: number; leadMs: number; timeoutMs: number; settings: PeerSettings },
): Promise<DeliveryOutcome> {
  const database = await postgres.database('bench_graphile');
  try {
    await runMigrations({ connectionString: database.url, logger: undefined });
    const placeholder = new Date(Date.now() + 3_600_000);
    const reminders = await seedDueReminders(database.db, {
      count: options.count,
      remindAt: placeholder,
      label: 'graphile',
    });
    const utils = await makeWorkerUtils({ connectionString: database.url });
    const dueAt = new Date(Date.now() + options.leadMs);
    try {
      await database.db.updateTable('reminders').set({ remind_at: dueAt }).execute();
      for (let i = 0; i < reminders.length; i += 1_000) {
        await utils.addJobs(
          reminders.slice(i, i + 1_000).map((reminder) => ({
            identifier: 'send_reminder',
            payload: {
              reminder_id: reminder.id,
              task_id: reminder.task_id,
              user_id: reminder.user_id,
              reminder_time: dueAt.toISOString(),
            } satisfies ReminderJob,
            runAt: dueAt,
          })),
        );
      }
    } finally {
      await utils.release();
    }
    const worker = await spawnNode(
      workerScript,
      [JSON.stringify({ connectionString: database.url, smtpUrl: sink.url, ...options.settings })],
      { ready: /^ready$/ },
    );
    if (Date.now() >= dueAt.getTime()) throw new Error('setup overran the lead time: raise leadMs');
    try {
      await sink.waitFor(sink.accepted.size + reminders.length, options.timeoutMs).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500)); // let any duplicate arrive before counting
    } finally {
      await worker.stop();
    }
    return deliveryOutcome(sink, new Map(reminders.map((reminder) => [reminder.id, dueAt.getTime()])));
  } finally {
    await database.drop();
  }
}
