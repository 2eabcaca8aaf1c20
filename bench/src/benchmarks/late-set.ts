import { seedUsers, startSmtpSink, startTestStack } from '@nudge/testing';
import { SignJWT } from 'jose';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { round } from '../harness/stats.ts';
import { deliveryColumns, deliveryOutcome } from '../scenarios/lateness.ts';

const count = 200;
const leadMs = 3_000;

/**
 * "Remind me in a moment": reminders created through task-api 3 s before their time, well inside
 * the scan's 35 s lookahead. cron-scan hears each reminder.scheduled and holds it at once; before
 * that path existed they waited for the next 30 s scan.
 */
export const lateSet: Benchmark = {
  name: 'late-set',
  title: '3b. Reminders created 3 s before their time (late-set): lateness',
  async run({ quick, postgres, log }) {
    // 200 reminders either way (the goal's sample); quick mode only creates them faster.
    const spacingMs = quick ? 100 : 250;
    const sink = await startSmtpSink();
    const database = await postgres.database('bench_late_set');
    const stack = await startTestStack({ databaseUrl: database.url, smtpUrl: sink.url });
    try {
      await seedUsers(database.db, count);
      const secret = new TextEncoder().encode(stack.jwtSecret);
      const tokens = await Promise.all(
        Array.from({ length: count }, (_, n) =>
          new SignJWT({ email: `user-${n}@bench.example` })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(`bench-${n}`)
            .setIssuedAt()
            .setExpirationTime('2h')
            .sign(secret),
        ),
      );
      const expected = new Map<string, number>();
      const started = Date.now();
      await Promise.all(
        tokens.map(async (token, n) => {
          await new Promise((resolve) => setTimeout(resolve, n * spacingMs));
          const remindAt = new Date(Date.now() + leadMs);
          const response = await fetch(`${stack.urls['task-api']}/api/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              title: `Take the cake out #${n}`,
              due_at: new Date(Date.now() + 3_600_000).toISOString(),
              reminders: [{ at: remindAt.toISOString() }],
            }),
          });
          if (response.status !== 201)
            throw new Error(`create answered ${response.status}: ${await response.text()}`);
          const task = (await response.json()) as { id: string };
          const reminder = await database.db
            .selectFrom('reminders')
            .select(['id', 'remind_at'])
            .where('task_id', '=', task.id)
            .executeTakeFirstOrThrow();
          expected.set(reminder.id, reminder.remind_at.getTime());
        }),
      );
      await sink.waitFor(count, 90_000).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // duplicates would show up now
      const outcome = deliveryOutcome(sink, expected);
      log(JSON.stringify({ ...outcome, created_over_s: (Date.now() - started) / 1000 }));
      const rows: Row[] = [
        {
          reminders: count,
          'set ahead s': leadMs / 1000,
          ...deliveryColumns(outcome),
        },
      ];
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          `${count} tasks created through task-api, one every ${spacingMs} ms, each with a reminder at creation + ${leadMs / 1000} s; users round-robin`,
          'path: outbox → bulk publish → reminders topic → cron-scan leases it and holds a timer → reminder.due at its time → on-reminder-due → SMTP',
          'lateness = SMTP acceptance − remind_at, per Message-ID; one run',
        ],
        goals: [
          {
            name: 'every reminder delivered exactly once',
            met: outcome.delivered === outcome.expected && outcome.duplicates === 0,
            detail: `${outcome.delivered}/${outcome.expected}, ${outcome.duplicates} duplicates`,
          },
          {
            name: 'lateness p99 ≤ 1 s',
            met: outcome.lateness_s.p99 <= 1,
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
