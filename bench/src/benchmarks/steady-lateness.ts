import { startSmtpSink, startTestStack } from '@nudge/testing';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { round } from '../harness/stats.ts';
import { deliveryColumns } from '../scenarios/lateness.ts';
import { nudgeSteadyReminders } from '../scenarios/nudge-reminders.ts';

export const steadyLateness: Benchmark = {
  name: 'steady-lateness',
  title: '3. Reminder lateness under steady load (the promise: max < 60 s; the goal: p99 of a few seconds)',
  async run({ quick, postgres, log }) {
    const count = quick ? 2_000 : 10_000;
    const spreadMs = quick ? 45_000 : 600_000;
    const sink = await startSmtpSink();
    const database = await postgres.database('bench_steady');
    const stack = await startTestStack({ databaseUrl: database.url, smtpUrl: sink.url });
    try {
      const outcome = await nudgeSteadyReminders(stack, database.db, sink, {
        count,
        leadMs: 5_000,
        spreadMs,
        timeoutMs: 120_000,
        label: 'steady',
      }).catch((error: unknown) => {
        throw new Error(`steady run failed; stack output:\n${stack.tail()}`, { cause: error });
      });
      log(JSON.stringify(outcome));
      const rows: Row[] = [
        {
          reminders: count,
          'over s': spreadMs / 1000,
          'per s': round(count / (spreadMs / 1000), 1),
          ...deliveryColumns(outcome),
        },
      ];
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          'reminders at random instants spread evenly over the window, written before it starts; the regular 30 s scans (dapr/ cron binding) lease each one ahead and dispatch it at its time; one scan triggered at the start',
          'lateness = SMTP acceptance − remind_at, per Message-ID; one run (the distribution itself is over every reminder)',
          ...(quick ? ['quick mode: 2,000 reminders over 45 s (full: 10,000 over 10 minutes)'] : []),
        ],
        goals: [
          {
            name: 'every reminder delivered exactly once',
            met: outcome.delivered === outcome.expected && outcome.duplicates === 0,
            detail: `${outcome.delivered}/${outcome.expected}, ${outcome.duplicates} duplicates`,
          },
          {
            name: 'lateness max < 60 s',
            met: outcome.lateness_s.max < 60,
            detail: `max ${round(outcome.lateness_s.max, 2)} s`,
          },
          {
            name: 'lateness p99 ≤ 5 s',
            met: outcome.lateness_s.p99 <= 5,
            detail: `p99 ${round(outcome.lateness_s.p99, 2)} s`,
          },
        ],
        runs: outcome,
      };
    } finally {
      await stack.stop();
      await database.drop();
      await sink.stop();
    }
  },
};
