import { enqueueEvents, sources, taskCompletedEvent } from '@nudge/core';
import { benchEmail, benchUserCount, seedUsers, startSmtpSink, startTestStack } from '@nudge/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { settlePipeline } from '../harness/settle.ts';
import { round } from '../harness/stats.ts';

const topics = ['task-events', 'reminders'];

const concurrency = 16;
/** The steady phase: completions paced at this rate, open loop (not waiting for answers). */
const steadyRate = 100;

interface LatencyStats {
  children: number;
  parents: number;
  p50: number;
  p95: number;
  max: number;
  span: number;
}

/** Next occurrences of the given completions and their latency (next created_at − completed_at). */
async function latencyOf(db: Parameters<typeof seedUsers>[0], ids: string[]): Promise<LatencyStats> {
  const { rows } = await sql<LatencyStats>`
    select count(*)::int as children, count(distinct c.parent_task_id)::int as parents,
      percentile_cont(0.5) within group (order by extract(epoch from c.created_at - p.completed_at)) as p50,
      percentile_cont(0.95) within group (order by extract(epoch from c.created_at - p.completed_at)) as p95,
      max(extract(epoch from c.created_at - p.completed_at)) as max,
      extract(epoch from max(c.created_at) - min(p.completed_at)) as span
    from tasks c join tasks p on p.id = c.parent_task_id
    where p.id = any(${ids}::uuid[])`.execute(db);
  const s = rows[0]!;
  return {
    children: s.children,
    parents: s.parents,
    p50: Number(s.p50),
    p95: Number(s.p95),
    max: Number(s.max),
    span: Number(s.span),
  };
}

/** Waits until every given completion has its next occurrence (or the deadline passes). */
async function awaitNextOccurrences(db: Parameters<typeof seedUsers>[0], ids: string[]): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from tasks where parent_task_id = any(${ids}::uuid[])`.execute(db);
    if (rows[0]!.n >= ids.length) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Settle, then count: a duplicate next occurrence would appear now if it were ever created.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

export const recurrencePipeline: Benchmark = {
  name: 'recurrence-pipeline',
  title:
    '4. Recurrence pipeline: completions through task-api → task.completed → on-task-completed → next occurrence',
  async run({ quick, postgres, log }) {
    const count = quick ? 1_000 : 10_000;
    const steadyCount = (quick ? 10 : 30) * steadyRate;
    const backlogCount = count;
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
        from generate_series(1, ${count + steadyCount + backlogCount}::int) as n
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
      let failures = 0;
      const complete = async (task: { id: string; user_id: string }) => {
        const response = await fetch(`${api}/api/tasks/${task.id}/complete`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.get(task.user_id)}` },
        });
        await response.arrayBuffer();
        if (response.status !== 200) failures += 1;
      };

      // Steady: one completion every 1/steadyRate s, sent at its instant whatever the answers do
      // (open loop), so the latency is the pipeline's at that rate, not the load generator's.
      const steady = tasks.slice(count, count + steadyCount);
      const steadyStarted = performance.now();
      const sent: Promise<void>[] = [];
      for (let i = 0; i < steady.length; i += 1) {
        const wait = steadyStarted + (i * 1000) / steadyRate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent.push(complete(steady[i]!));
      }
      await Promise.all(sent);
      const steadyS = (performance.now() - steadyStarted) / 1000;
      log(`steady: ${steady.length} completions in ${round(steadyS, 1)} s (${failures} failed)`);
      const steadyIds = steady.map((task) => task.id);
      await awaitNextOccurrences(db, steadyIds);
      const st = await latencyOf(db, steadyIds);

      // Throughput: as fast as `concurrency` connections go.
      await settlePipeline(stack, db, topics);
      const burst = tasks.slice(0, count);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < burst.length) await complete(burst[next++]!);
        }),
      );
      const completeS = (performance.now() - started) / 1000;
      log(`${count} completions in ${round(completeS, 1)} s (${failures} failed)`);
      const burstIds = burst.map((task) => task.id);
      await awaitNextOccurrences(db, burstIds);
      const s = await latencyOf(db, burstIds);

      // The pipeline alone: completions committed straight into PostgreSQL, the same rows and
      // task.completed outbox events as task-api's completeTask writes, but in one transaction, so
      // no relay pass (cron-scan's tick) can start on them while they are being written. One relay
      // pass (a scan) then releases them at once. Rate = next occurrences ÷ (last created − the
      // pass's start): relay → broker → on-task-completed, not how fast anything writes them.
      await settlePipeline(stack, db, topics);
      const backlog = tasks.slice(count + steadyCount);
      await db.transaction().execute(async (trx) => {
        const completedAt = new Date();
        const rows = await trx
          .updateTable('tasks')
          .set({ status: 'completed', completed_at: completedAt, updated_at: completedAt })
          .where(
            'id',
            'in',
            backlog.map((task) => task.id),
          )
          .returningAll()
          .execute();
        await enqueueEvents(
          trx,
          rows.map((row) => taskCompletedEvent(row, sources.taskApi, completedAt)),
        );
      });
      const backlogIds = backlog.map((task) => task.id);
      const released = new Date();
      await stack.scan();
      await awaitNextOccurrences(db, backlogIds);
      const b = await latencyOf(db, backlogIds);
      const { rows: drained } = await sql<{ first_published: Date | null; last_created: Date }>`
        select (select min(published_at) from outbox
                 where event_type = 'task.completed' and (cloud_event->>'subject') = any(${backlogIds}::text[])) as first_published,
               (select max(created_at) from tasks where parent_task_id = any(${backlogIds}::uuid[])) as last_created`.execute(
        db,
      );
      // A relay pass already under way (task-api's, cron-scan's tick) may have started earlier.
      const drainStart = Math.min(released.getTime(), drained[0]!.first_published?.getTime() ?? Infinity);
      const drainS = (drained[0]!.last_created.getTime() - drainStart) / 1000;
      const pipelinePerS = Math.round(b.children / drainS);

      const total = count + steadyCount + backlogCount;
      const exact =
        b.children === backlogCount &&
        b.parents === backlogCount &&
        s.children === count &&
        s.parents === count &&
        st.children === steadyCount &&
        st.parents === steadyCount &&
        failures === 0;
      const perS = Math.round(s.children / s.span);
      log(`pipeline alone: ${b.children} next occurrences in ${round(drainS, 2)} s`);
      const rows: Row[] = [
        {
          phase: `as fast as ${concurrency} connections go`,
          completions: count,
          'completed via API per s': Math.round(count / completeS),
          'next occurrences': s.children,
          'next occurrences per s': perS,
          'latency p50 s': round(s.p50, 3),
          'p95 s': round(s.p95, 3),
          'max s': round(s.max, 3),
        },
        {
          phase: 'pipeline alone: a backlog of completions released at once',
          completions: backlogCount,
          'completed via API per s': '',
          'next occurrences': b.children,
          'next occurrences per s': pipelinePerS,
          'latency p50 s': '',
          'p95 s': '',
          'max s': '',
        },
        {
          phase: `steady ${steadyRate}/s`,
          completions: steadyCount,
          'completed via API per s': Math.round(steadyCount / steadyS),
          'next occurrences': st.children,
          'next occurrences per s': Math.round(st.children / st.span),
          'latency p50 s': round(st.p50, 3),
          'p95 s': round(st.p95, 3),
          'max s': round(st.max, 3),
        },
      ];
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          `POST /api/tasks/{id}/complete for ${total.toLocaleString('en-US')} daily Europe/Berlin series (1,000 users); task-api's relay publishes task.completed, the sidecar delivers it to on-task-completed, which writes the next occurrence`,
          `each phase starts once the previous one has settled (outbox empty, every event delivered); steady phase first: ${steadyCount.toLocaleString('en-US')} completions, one every ${1000 / steadyRate} ms (open loop); then ${count.toLocaleString('en-US')} with ${concurrency} concurrent requests; then ${backlogCount.toLocaleString('en-US')} committed straight in one transaction (completeTask’s rows and events) and released by one relay pass (rate from the pass's start to the last next occurrence; its latency columns would measure the wait for the pass, so they are left empty)`,
          'latency = next occurrence created_at − completed_at (both written by the functions on this machine); per second = next occurrences ÷ (last created − first completed)',
          'one run (the distribution is over every completion)',
          ...(quick ? ['quick mode: 1,000 + 1,000 + 1,000 completions (full: 3,000 + 10,000 + 10,000)'] : []),
        ],
        goals: [
          {
            name: 'exactly one next occurrence per completion',
            met: exact,
            detail: `${s.children + st.children + b.children} next occurrences for ${s.parents + st.parents + b.parents} of ${total} completions, ${failures} failed requests`,
          },
          {
            name: 'next occurrences per second ≥ 500 (pipeline alone)',
            met: pipelinePerS >= 500,
            detail: `${pipelinePerS} per s (${b.children} in ${round(drainS, 2)} s); through task-api at ${concurrency} connections ${perS} per s, paced by the POSTs (${Math.round(count / completeS)} per s)`,
          },
          {
            name: `completion → next occurrence at ${steadyRate} completions/s, p95 ≤ 500 ms`,
            met: st.p95 <= 0.5,
            detail: `p95 ${Math.round(st.p95 * 1000)} ms (p50 ${Math.round(st.p50 * 1000)} ms, max ${Math.round(st.max * 1000)} ms)`,
          },
        ],
        runs: {
          stats: s,
          steady: st,
          backlog: b,
          drain_s: drainS,
          complete_s: completeS,
          steady_s: steadyS,
          failures,
        },
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
