import { claimDue, type Db, leaseUpcoming, type Trx } from '@nudge/core';
import { seedFutureReminders, startSmtpSink, startTestStack } from '@nudge/testing';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { median, medianRun, round } from '../harness/stats.ts';
import type { DeliveryOutcome } from '../scenarios/lateness.ts';
import { nudgeReminderBurst } from '../scenarios/nudge-reminders.ts';

/** Median wall time of `work` over `times` runs, each in a transaction rolled back afterwards. */
async function timeRolledBack(db: Db, work: (trx: Trx) => Promise<unknown>, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await db
      .transaction()
      .execute(async (trx) => {
        await work(trx);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

class Rollback extends Error {}

export const reminderBurst: Benchmark = {
  name: 'reminder-burst',
  title:
    '2. Reminder burst: reminders due in the same second on top of a backlog of future ones, to a real SMTP server',
  async run({ quick, repeats, postgres, log }) {
    const backlog = quick ? 100_000 : 1_000_000;
    const burst = quick ? 2_000 : 10_000;
    const runs = quick ? 1 : Math.min(repeats, 2);
    const database = await postgres.database('bench_burst');
    const sink = await startSmtpSink();
    try {
      let started = performance.now();
      await seedFutureReminders(database.db, backlog);
      log(
        `${backlog.toLocaleString('en-US')} future reminders written in ${Math.round((performance.now() - started) / 1000)} s`,
      );

      // The scan's two queries with the backlog present, rolled back so nothing is claimed.
      const now = new Date();
      const claimMs = await timeRolledBack(database.db, (trx) => claimDue(trx, now, 200), 20);
      const leaseMs = await timeRolledBack(
        database.db,
        (trx) =>
          leaseUpcoming(trx, {
            now,
            until: new Date(now.getTime() + 35_000),
            graceMs: 10_000,
            limit: 50_000,
          }),
        20,
      );
      const plan = await sql<{ 'QUERY PLAN': string }>`explain
        select r.id from reminders r join tasks t on t.id = r.task_id
        where r.status = 'pending' and r.dispatched_at is null and r.remind_at <= now()
          and (r.lease_until is null or r.lease_until < now()) and t.status = 'open'
        order by r.remind_at limit 200 for update of r skip locked`.execute(database.db);
      const usesPartialIndex = plan.rows.some((row) =>
        row['QUERY PLAN'].includes('reminders_pending_due_idx'),
      );

      const stack = await startTestStack({ databaseUrl: database.url, smtpUrl: sink.url });
      const outcomes: DeliveryOutcome[] = [];
      try {
        for (let r = 0; r < runs; r += 1) {
          started = performance.now();
          outcomes.push(
            await nudgeReminderBurst(stack, database.db, sink, {
              count: burst,
              leadMs: 10_000,
              timeoutMs: 180_000,
              label: `burst-${r}`,
            }),
          );
          log(`burst ${r + 1}/${runs}: ${JSON.stringify(outcomes.at(-1))}`);
        }
      } catch (error) {
        throw new Error(`burst failed; stack output:\n${stack.tail()}`, { cause: error });
      } finally {
        await stack.stop();
      }
      const typical = medianRun(outcomes, (o) => o.last_accepted_s);
      const delivered = outcomes.every((o) => o.delivered === o.expected);
      const duplicates = outcomes.reduce((sum, o) => sum + o.duplicates, 0);
      const worstMax = Math.max(...outcomes.map((o) => o.lateness_s.max));
      const rows: Row[] = [
        {
          'due at once': burst,
          'future backlog': backlog,
          delivered: `${typical.delivered}/${typical.expected}`,
          duplicates,
          'last accepted s': round(typical.last_accepted_s, 1),
          'emails/s': Math.round(typical.delivered / typical.last_accepted_s),
          'lateness p50 s': round(typical.lateness_s.p50, 2),
          'p99 s': round(typical.lateness_s.p99, 2),
          'max s': round(typical.lateness_s.max, 2),
          'claim query ms': round(claimMs, 2),
          'lease query ms': round(leaseMs, 2),
        },
      ];
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          `local stack (npm start's launcher): four functions as processes, sidecar stand-in reading dapr/, the same PostgreSQL; emails to a real smtp-server in the bench process`,
          `lateness = SMTP acceptance − remind_at, per Message-ID; median of ${runs} burst(s) by time to last acceptance`,
          'one scan is triggered right after the burst is written (standing in for the regular scan that finds reminders long before they are due); later scans come from the 30 s cron binding',
          `scan queries timed with the backlog present (median of 20, rolled back): claim of due reminders (batch 200) and lease of the next 35 s; claim query ${usesPartialIndex ? 'uses' : 'does NOT use'} the partial index reminders_pending_due_idx`,
          ...(quick
            ? ['quick mode: 100,000 future reminders and 2,000 due at once (full: 1,000,000 and 10,000)']
            : []),
        ],
        goals: [
          {
            name: 'every reminder delivered exactly once',
            met: delivered && duplicates === 0,
            detail: `${outcomes.map((o) => `${o.delivered}/${o.expected}`).join(', ')}, ${duplicates} duplicates`,
          },
          {
            name: 'burst lateness max < 60 s',
            met: worstMax < 60,
            detail: `worst max ${round(worstMax, 1)} s`,
          },
        ],
        runs: outcomes,
      };
    } finally {
      await sink.stop();
      await database.drop();
    }
  },
};
