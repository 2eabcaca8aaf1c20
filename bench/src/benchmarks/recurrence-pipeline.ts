import { benchEmail, benchUserCount, seedUsers, startSmtpSink, startTestStack } from '@nudge/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { round } from '../harness/stats.ts';

const concurrency = 16;

export const recurrencePipeline: Benchmark = {
  name: 'recurrence-pipeline',
  title:
    '4. Recurrence pipeline: completions through task-api → task.completed → on-task-completed → next occurrence',
  async run({ quick, postgres, log }) {
    const count = quick ? 1_000 : 10_000;
    const sink = await startSmtpSink();
    const database = await postgres.database('bench_recurrence');
    const { db } = database;
    const stack = await startTestStack({
      databaseUrl: database.url,
      smtpUrl: sink.url,
      // Completions come from 1,000 users as fast as 16 connections go: lift the per-user limit.
      env: { RATE_LIMIT_PER_MINUTE: '1000000000' },
    });
    try {
      // Daily 09:00 Europe/Berlin series, each at its first occurrence, due yesterday.
      await seedUsers(db);
      const { rows: tasks } = await sql<{ id: string; user_id: string }>`
        insert into tasks (user_id, title, tags, due_at, timezone, recurrence_rule, recurrence_from, series_anchor_at)
        select 'bench-' || (n % ${benchUserCount}::int), 'Take the pills #' || n, array['health'],
               date_trunc('day', now() - interval '1 day') + interval '8 hours', 'Europe/Berlin',
               'RRULE:FREQ=DAILY', 'due', date_trunc('day', now() - interval '1 day') + interval '8 hours'
        from generate_series(1, ${count}::int) as n
        returning id, user_id`.execute(db);
      await sql`update tasks set series_id = id where series_id is null`.execute(db);
      const secret = new TextEncoder().encode(stack.jwtSecret);
      const tokens = new Map<string, string>();
      for (let user = 0; user < benchUserCount; user += 1) {
        tokens.set(
          `bench-${user}`,
          await new SignJWT({ email: benchEmail(user) })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(`bench-${user}`)
            .setIssuedAt()
            .setExpirationTime('1h')
            .sign(secret),
        );
      }
      const api = stack.urls['task-api'];
      let next = 0;
      let failures = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < tasks.length) {
            const task = tasks[next++]!;
            const response = await fetch(`${api}/api/tasks/${task.id}/complete`, {
              method: 'POST',
              headers: { authorization: `Bearer ${tokens.get(task.user_id)}` },
            });
            await response.arrayBuffer();
            if (response.status !== 200) failures += 1;
          }
        }),
      );
      const completeS = (performance.now() - started) / 1000;
      log(`${count} completions in ${round(completeS, 1)} s (${failures} failed)`);
      const deadline = Date.now() + 300_000;
      let created = 0;
      while (Date.now() < deadline) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from tasks where parent_task_id is not null`.execute(db);
        created = rows[0]!.n;
        if (created >= count) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // Settle, then count: a duplicate next occurrence would appear now if it were ever created.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const { rows: stats } = await sql<{
        children: number;
        parents: number;
        p50: number;
        p95: number;
        max: number;
        span: number;
      }>`
        select count(*)::int as children, count(distinct c.parent_task_id)::int as parents,
          percentile_cont(0.5) within group (order by extract(epoch from c.created_at - p.completed_at)) as p50,
          percentile_cont(0.95) within group (order by extract(epoch from c.created_at - p.completed_at)) as p95,
          max(extract(epoch from c.created_at - p.completed_at)) as max,
          extract(epoch from max(c.created_at) - min(p.completed_at)) as span
        from tasks c join tasks p on p.id = c.parent_task_id`.execute(db);
      const s = stats[0]!;
      const exact = s.children === count && s.parents === count && failures === 0;
      const rows: Row[] = [
        {
          completions: count,
          'completed via API per s': Math.round(count / completeS),
          'next occurrences': s.children,
          'next occurrences per s': Math.round(s.children / Number(s.span)),
          'latency p50 s': round(Number(s.p50), 3),
          'p95 s': round(Number(s.p95), 3),
          'max s': round(Number(s.max), 3),
        },
      ];
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          `POST /api/tasks/{id}/complete for ${count.toLocaleString('en-US')} daily Europe/Berlin series (1,000 users), ${concurrency} concurrent requests; task-api's relay publishes task.completed, the sidecar delivers it to on-task-completed, which writes the next occurrence`,
          'latency = next occurrence created_at − completed_at (both written by the functions on this machine); per second = next occurrences ÷ (last created − first completed)',
          'one run (the distribution is over every completion)',
          ...(quick ? ['quick mode: 1,000 completions (full: 10,000)'] : []),
        ],
        goals: [
          {
            name: 'exactly one next occurrence per completion',
            met: exact,
            detail: `${s.children} next occurrences for ${s.parents} of ${count} completions, ${failures} failed requests`,
          },
        ],
        runs: { stats: s, complete_s: completeS, failures },
      };
    } catch (error) {
      throw new Error(`recurrence pipeline failed; stack output:\n${stack.tail()}`, { cause: error });
    } finally {
      await stack.stop();
      await database.drop();
      await sink.stop();
    }
  },
};
