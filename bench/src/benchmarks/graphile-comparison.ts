import { seedFutureReminders, startSmtpSink, startTestStack } from '@nudge/testing';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { median, round } from '../harness/stats.ts';
import {
  graphileReminderBurst,
  type PeerSettings,
  prepareGraphileDatabase,
} from '../scenarios/graphile-reminders.ts';
import type { DeliveryOutcome } from '../scenarios/lateness.ts';
import { nudgeReminderBurst, nudgeSteadyReminders } from '../scenarios/nudge-reminders.ts';
import { smtpCeiling, smtpMaxConnections } from '../scenarios/smtp-ceiling.ts';

/*
 * The peer runs with the best of the settings tried on this machine (concurrency 5, 10, 32, 64 with
 * the default 2 s poll interval: 32 and 64 were fastest, 32 by a little), so Nudge is compared
 * with graphile-worker at its best, not at its defaults (concurrency 1).
 */
const peer: PeerSettings = { concurrency: 32, pollInterval: 2_000 };

const summary = (side: string, runs: DeliveryOutcome[]) => ({
  side,
  delivered: runs.map((run) => `${run.delivered}/${run.expected}`).join(', '),
  duplicates: runs.reduce((sum, run) => sum + run.duplicates, 0),
  last: median(runs.map((run) => run.last_accepted_s)),
  p50: median(runs.map((run) => run.lateness_s.p50)),
  p99: median(runs.map((run) => run.lateness_s.p99)),
});

/** Both sides' rows and their ratio, ours ÷ theirs. */
function comparisonRows(
  ours: ReturnType<typeof summary>,
  theirs: ReturnType<typeof summary>,
  ratio: string,
): Row[] {
  const figures = (side: ReturnType<typeof summary>) => ({
    'last accepted s': round(side.last, 2),
    'lateness p50 s': round(side.p50, 2),
    'lateness p99 s': round(side.p99, 2),
  });
  return [
    ...[ours, theirs].map((side) => ({
      side: side.side,
      delivered: side.delivered,
      duplicates: side.duplicates,
      ...figures(side),
    })),
    {
      side: ratio,
      delivered: '',
      duplicates: '',
      'last accepted s': round(ours.last / theirs.last, 2),
      'lateness p50 s': round(ours.p50 / theirs.p50, 2),
      'lateness p99 s': round(ours.p99 / theirs.p99, 2),
    },
  ];
}

export const graphileComparison: Benchmark = {
  name: 'graphile-worker',
  title: '5. Side by side with graphile-worker: the same reminders, PostgreSQL, email and SMTP server',
  async run({ quick, repeats, postgres, log }) {
    const count = quick ? 2_000 : 10_000;
    // Both queues carry the backlog of a real deployment: future reminders spread over 30 days.
    const backlog = quick ? 100_000 : 1_000_000;
    const runs = quick ? 1 : Math.min(repeats, 2);
    const sink = await startSmtpSink();
    const database = await postgres.database('bench_vs_ours');
    const seeded = performance.now();
    await seedFutureReminders(database.db, backlog);
    const peerDatabase = await prepareGraphileDatabase(postgres, backlog);
    log(
      `${backlog.toLocaleString('en-US')} future reminders on each side (and as graphile-worker jobs) in ${Math.round((performance.now() - seeded) / 1000)} s`,
    );
    const stack = await startTestStack({ databaseUrl: database.url, smtpUrl: sink.url });
    const ours: DeliveryOutcome[] = [];
    const theirs: DeliveryOutcome[] = [];
    const ceiling: { delivered: number; last_accepted_s: number }[] = [];
    // Also the everyday case: reminders spread over a window instead of all in one second.
    const steadyCount = quick ? 400 : 1_500;
    const steadySpreadMs = quick ? 20_000 : 60_000;
    let steadyOurs: DeliveryOutcome | undefined;
    let steadyTheirs: DeliveryOutcome | undefined;
    try {
      // Interleaved, so background load on the machine falls on both sides alike.
      for (let r = 0; r < runs; r += 1) {
        ours.push(
          await nudgeReminderBurst(stack, database.db, sink, {
            count,
            leadMs: 10_000,
            timeoutMs: 300_000,
            label: `vs-${r}`,
          }),
        );
        log(`nudge ${r + 1}/${runs}: ${JSON.stringify(ours.at(-1))}`);
        theirs.push(
          await graphileReminderBurst(peerDatabase, sink, {
            count,
            leadMs: 10_000,
            timeoutMs: 300_000,
            settings: peer,
          }),
        );
        log(`graphile-worker ${r + 1}/${runs}: ${JSON.stringify(theirs.at(-1))}`);
        ceiling.push(await smtpCeiling(sink, count));
        log(`ceiling ${r + 1}/${runs}: ${JSON.stringify(ceiling.at(-1))}`);
      }
      steadyOurs = await nudgeSteadyReminders(stack, database.db, sink, {
        count: steadyCount,
        leadMs: 5_000,
        spreadMs: steadySpreadMs,
        timeoutMs: 120_000,
        label: 'vs-steady',
      });
      log(`nudge steady: ${JSON.stringify(steadyOurs)}`);
      steadyTheirs = await graphileReminderBurst(peerDatabase, sink, {
        count: steadyCount,
        leadMs: 10_000,
        spreadMs: steadySpreadMs,
        timeoutMs: 120_000,
        settings: peer,
      });
      log(`graphile-worker steady: ${JSON.stringify(steadyTheirs)}`);
    } catch (error) {
      throw new Error(`comparison failed; stack output:\n${stack.tail()}`, { cause: error });
    } finally {
      await stack.stop();
      await database.drop();
      await peerDatabase.drop();
      await sink.stop();
    }
    const a = summary('Nudge (cron-scan → outbox → sidecar → on-reminder-due)', ours);
    const b = summary(
      `graphile-worker 0.18 (concurrency ${peer.concurrency}, poll ${peer.pollInterval} ms)`,
      theirs,
    );
    const ceilingLast = median(ceiling.map((run) => run.last_accepted_s));
    const c = summary('steady: Nudge', [steadyOurs!]);
    const d = summary('steady: graphile-worker', [steadyTheirs!]);
    const rows: Row[] = [
      ...comparisonRows(a, b, 'ours ÷ theirs'),
      {
        side: `ceiling: the same emails straight from one process (pool of ${smtpMaxConnections}, no queue, no database)`,
        delivered: ceiling.map((run) => `${run.delivered}/${count}`).join(', '),
        duplicates: '',
        'last accepted s': round(ceilingLast, 2),
        'lateness p50 s': '',
        'lateness p99 s': '',
      },
      {
        side: 'ours ÷ ceiling',
        delivered: '',
        duplicates: '',
        'last accepted s': round(a.last / ceilingLast, 2),
        'lateness p50 s': '',
        'lateness p99 s': '',
      },
      ...comparisonRows(c, d, 'steady: ours ÷ theirs'),
    ];
    const complete = [...ours, ...theirs, steadyOurs!, steadyTheirs!].every(
      (run) => run.delivered === run.expected && run.duplicates === 0,
    );
    return {
      columns: Object.keys(rows[0]!),
      rows,
      notes: [
        `burst: ${count.toLocaleString('en-US')} reminders due in the same second on top of ${backlog.toLocaleString('en-US')} future ones (Nudge: reminder rows; graphile-worker: the same rows, each a job with run_at), ${runs} run(s) per side, interleaved; medians`,
        `steady: ${steadyCount.toLocaleString('en-US')} reminders at random instants over ${steadySpreadMs / 1000} s, one run per side ("last accepted" is then after the last reminder's own time)`,
        'both sides run on-reminder-due’s own handler (claim, email via its mailer, mark sent) against the same PostgreSQL server and the same smtp-server sink; only the machinery between "due" and "handler runs" differs',
        'Nudge: local stack (functions as processes, sidecar stand-in); graphile-worker: one worker process, jobs added with runAt at the due second',
        'lateness = SMTP acceptance − due time, per Message-ID; ratios below 1 mean Nudge is faster',
        ...(quick
          ? [
              'quick mode: 2,000 reminders over 100,000 pending in one run per side, steady 400 over 20 s (full: 10,000 over 1,000,000, 2 runs; steady 1,500 over 60 s)',
            ]
          : []),
      ],
      goals: [
        {
          name: 'both sides deliver every reminder exactly once',
          met: complete,
          detail: `${a.delivered} vs ${b.delivered}`,
        },
        {
          name: 'Nudge at least as fast as graphile-worker (time to last delivery and p99)',
          met: a.last <= b.last && a.p99 <= b.p99,
          detail: `burst: last ${round(a.last, 1)} s vs ${round(b.last, 1)} s, p99 ${round(a.p99, 1)} s vs ${round(b.p99, 1)} s`,
        },
        {
          name: 'burst: Nudge ÷ graphile-worker ≤ 0.5 (time to last acceptance)',
          met: a.last / b.last <= 0.5,
          detail: `${round(a.last / b.last, 2)} (${round(a.last, 2)} s vs ${round(b.last, 2)} s)`,
        },
        {
          name: 'burst: Nudge ÷ ceiling ≤ 1.25 (time to last acceptance)',
          met: a.last / ceilingLast <= 1.25,
          detail: `${round(a.last / ceilingLast, 2)} (ceiling ${round(ceilingLast, 2)} s)`,
        },
        {
          name: 'Nudge lateness p99 at most graphile-worker’s under steady load',
          met: c.p99 <= d.p99,
          detail: `steady p99 ${round(c.p99, 2)} s vs ${round(d.p99, 2)} s`,
        },
      ],
      runs: {
        nudge: ours,
        graphile_worker: theirs,
        steady: { nudge: steadyOurs, graphile_worker: steadyTheirs },
        peer_settings: peer,
        ceiling,
      },
    };
  },
};
