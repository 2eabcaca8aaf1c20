import { join } from 'node:path';
import type { PostgresServer, ServerDatabase, SmtpSink } from '@nudge/testing';
import { seedDueReminders, seedFutureReminders, spawnNode } from '@nudge/testing';
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
 * graphile-worker's own database on the shared server: its schema, and `backlog` future reminders
 * each already a job with `run_at` at its time (spread over the next 30 days, as Nudge's backlog
 * is): the queue a real deployment of the peer would carry. Reused across runs; drop it after.
 */
export async function prepareGraphileDatabase(
  postgres: PostgresServer,
  backlog: number,
): Promise<ServerDatabase> {
  const database = await postgres.database('bench_graphile');
  await runMigrations({ connectionString: database.url, logger: undefined });
  if (backlog > 0) {
    await seedFutureReminders(database.db, backlog);
    // One job per future reminder, added with graphile-worker's own add_jobs, 50,000 per statement.
    let after = '00000000-0000-0000-0000-000000000000';
    for (let more = true; more; ) {
      const { rows } = await sql<{ id: string }>`
        select id from reminders where id > ${after}::uuid order by id offset 49999 limit 1`.execute(
        database.db,
      );
      const upTo = rows[0]?.id ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff';
      await sql`
        select count(*) from graphile_worker.add_jobs(array(
          select row('send_reminder',
                     json_build_object('reminder_id', r.id, 'task_id', r.task_id, 'user_id', r.user_id,
                                       'reminder_time', r.remind_at),
                     null, r.remind_at, null, null, null, null)::graphile_worker.job_spec
          from reminders r where r.id > ${after}::uuid and r.id <= ${upTo}::uuid))`.execute(database.db);
      more = rows.length > 0;
      after = upTo;
    }
    await sql`analyze`.execute(database.db);
  }
  return database;
}

/**
 * `count` reminders, each a graphile-worker job with `runAt` at its time, run by a separate worker
 * process against the same PostgreSQL and SMTP server: all due in the same second `leadMs` from
 * now, or, with `spreadMs`, at random instants spread evenly over that window.
 */
export async function graphileReminderBurst(
  database: ServerDatabase,
  sink: SmtpSink,
  options: { count: number; leadMs: number; timeoutMs: number; settings: PeerSettings; spreadMs?: number },
): Promise<DeliveryOutcome> {
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
}
