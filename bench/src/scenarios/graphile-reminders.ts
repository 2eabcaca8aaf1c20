import { join } from 'node:path';
import type { PostgresServer, SmtpSink } from '@nudge/testing';
import { seedDueReminders, spawnNode } from '@nudge/testing';
import { makeWorkerUtils, runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import type { ReminderJob } from '../peers/graphile-worker-process.ts';
import { type DeliveryOutcome, deliveryOutcome } from './lateness.ts';

const workerScript = join(import.meta.dirname, '..', 'peers', 'graphile-worker-process.ts');

export interface PeerSettings {
  concurrency: number;
  pollInterval: number;
}

/**
 * `count` reminders, each a graphile-worker job with `runAt` at its time, run by a separate worker
 * process against the same PostgreSQL and SMTP server: all due in the same second `leadMs` from
 * now, or, with `spreadMs`, at random instants spread evenly over that window.
 */
export async function graphileReminderBurst(
  postgres: PostgresServer,
  sink: SmtpSink,
  options: { count: number; leadMs: number; timeoutMs: number; settings: PeerSettings; spreadMs?: number },
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
    const start = Date.now() + options.leadMs;
    const due = new Map(reminders.map((r) => [r.id, start + Math.random() * (options.spreadMs ?? 0)]));
    const ids = [...due.keys()];
    try {
      await sql`update reminders set remind_at = v.at
        from unnest(${ids}::uuid[], ${ids.map((id) => new Date(due.get(id)!).toISOString())}::timestamptz[]) as v(id, at)
        where reminders.id = v.id`.execute(database.db);
      for (let i = 0; i < reminders.length; i += 1_000) {
        await utils.addJobs(
          reminders.slice(i, i + 1_000).map((reminder) => ({
            identifier: 'send_reminder',
            payload: {
              reminder_id: reminder.id,
              task_id: reminder.task_id,
              user_id: reminder.user_id,
              reminder_time: new Date(due.get(reminder.id)!).toISOString(),
            } satisfies ReminderJob,
            runAt: new Date(due.get(reminder.id)!),
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
    if (Date.now() >= start) throw new Error('setup overran the lead time: raise leadMs');
    try {
      await sink
        .waitFor(
          sink.accepted.size + reminders.length,
          options.leadMs + (options.spreadMs ?? 0) + options.timeoutMs,
        )
        .catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500)); // let any duplicate arrive before counting
    } finally {
      await worker.stop();
    }
    return deliveryOutcome(sink, due);
  } finally {
    await database.drop();
  }
}
