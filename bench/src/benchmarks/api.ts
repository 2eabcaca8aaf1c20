import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot, spawnNode, startFunction, startLocalSidecar, waitForHttp } from '@nudge/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { type LoadResult, type LoadSpec, runLoad } from '../harness/load.ts';
import { median, round } from '../harness/stats.ts';

const taskApiEntry = join(repoRoot, 'functions', 'task-api', 'src', 'main.ts');
const baselineEntry = join(repoRoot, 'bench', 'src', 'peers', 'baseline-api.ts');
const user = 'bench-api';
const secret = 'bench-secret-bench-secret-bench-secret!';
const connections = 50;

interface Route {
  name: string;
  spec(base: string, ids: readonly string[]): Omit<LoadSpec, 'connections' | 'durationS'>;
}

const routes: Route[] = [
  {
    name: 'GET /api/tasks/{id}',
    spec: (base, ids) => ({ url: `${base}/api/tasks/${ids[0]}`, paths: ids.map((id) => `/api/tasks/${id}`) }),
  },
  {
    name: 'GET /api/tasks?tag=work (50 items)',
    spec: (base) => ({ url: `${base}/api/tasks?tag=work&limit=50` }),
  },
  {
    name: 'POST /api/tasks',
    spec: (base) => ({
      url: `${base}/api/tasks`,
      method: 'POST',
      body: JSON.stringify({
        title: 'Pay the electricity bill',
        priority: 'high',
        tags: ['home'],
        due_at: '2027-01-15T09:00:00.000Z',
      }),
    }),
  },
];

export const api: Benchmark = {
  name: 'api',
  title:
    '1. API: task-api vs a bare functions-framework handler running the same SQL (autocannon, 50 connections)',
  async unavailable() {
    return existsSync(taskApiEntry) ? null : 'functions/task-api/src/main.ts has not landed yet';
  },
  async run({ quick, repeats: requested, postgres, log }) {
    const repeats = Math.min(requested, 3);
    const durationS = quick ? 2 : 8;
    const database = await postgres.database('bench_api');
    const sidecar = await startLocalSidecar();
    const [apiPort, basePort] = [await freePort(), await freePort()];
    const started: { stop(signal?: NodeJS.Signals): Promise<string> }[] = [];
    try {
      // 2,000 open tasks for one user, half tagged `work`, each with a reminder: list pages are full.
      await sql`insert into users (id, email) values (${user}, 'bench@bench.example')`.execute(database.db);
      await sql`with t as (
          insert into tasks (user_id, title, description, priority, tags, due_at)
          select ${user}, 'Task #' || n, 'Benchmark task number ' || n,
                 (array['low','medium','high','urgent'])[1 + n % 4],
                 case when n % 2 = 0 then array['work'] else array['home'] end,
                 now() + n * interval '1 hour'
          from generate_series(1, 2000) as n returning id, user_id, due_at)
        insert into reminders (task_id, user_id, before, remind_at)
        select id, user_id, 'PT1H', due_at - interval '1 hour' from t`.execute(database.db);
      await sql`analyze`.execute(database.db);
      const ids = (
        await database.db.selectFrom('tasks').select('id').where('user_id', '=', user).limit(500).execute()
      ).map((row) => row.id);
      const token = await new SignJWT({ email: 'bench@bench.example' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(secret));

      const env = {
        DATABASE_URL: database.url,
        AUTH_JWT_SECRET: secret,
        // One user drives all the load: lift the per-user limit (default 100/min) out of the way.
        RATE_LIMIT_PER_MINUTE: '1000000000',
        DAPR_HTTP_PORT: String(sidecar.port),
        LOG_LEVEL: 'info',
        BENCH_USER: user,
      };
      // task-api as its image and npm start run it (main.ts); the baseline on functions-framework's CLI.
      const taskApi = await spawnNode(taskApiEntry, [], {
        env: { ...env, PORT: String(apiPort) },
        cwd: repoRoot,
      });
      started.push(taskApi);
      await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`).catch((error: unknown) => {
        throw new Error(`task-api did not start:\n${taskApi.tail()}`, { cause: error });
      });
      started.push(
        await startFunction({
          source: baselineEntry,
          target: 'baseline',
          port: basePort,
          env,
          readyPath: '/none',
        }),
      );
      const sides: { side: string; base: string; headers: Record<string, string> }[] = [
        {
          side: 'task-api',
          base: `http://127.0.0.1:${apiPort}`,
          headers: { authorization: `Bearer ${token}` },
        },
        { side: 'baseline', base: `http://127.0.0.1:${basePort}`, headers: {} },
      ];
      const results = new Map<string, LoadResult[]>();
      const key = (route: string, side: string) => `${route}|${side}`;
      for (const route of routes) {
        for (const side of sides) {
          await runLoad({ ...route.spec(side.base, ids), headers: side.headers, connections, durationS: 1 }); // warm-up
        }
      }
      for (let r = 0; r < repeats; r += 1) {
        for (const route of routes) {
          for (const side of sides) {
            const result = await runLoad({
              ...route.spec(side.base, ids),
              headers: side.headers,
              connections,
              durationS,
            });
            if (result.non_2xx > 0 || result.errors > 0) {
              throw new Error(
                `${side.side} ${route.name}: ${result.non_2xx} non-2xx, ${result.errors} errors`,
              );
            }
            results.set(key(route.name, side.side), [
              ...(results.get(key(route.name, side.side)) ?? []),
              result,
            ]);
          }
        }
        log(`repeat ${r + 1}/${repeats} done`);
      }
      const rows: Row[] = [];
      for (const route of routes) {
        const figures = sides.map((side) => {
          const runs = results.get(key(route.name, side.side))!;
          return {
            rps: median(runs.map((run) => run.requests_per_s)),
            p50: median(runs.map((run) => run.p50_ms)),
            p99: median(runs.map((run) => run.p99_ms)),
          };
        });
        const [ours, base] = figures as [(typeof figures)[0], (typeof figures)[0]];
        rows.push({
          route: route.name,
          'task-api req/s': Math.round(ours.rps),
          'p50 ms': ours.p50,
          'p99 ms': ours.p99,
          'baseline req/s': Math.round(base.rps),
          'base p50 ms': base.p50,
          'base p99 ms': base.p99,
          'req/s vs baseline': round(ours.rps / base.rps, 2),
        });
      }
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          `${connections} connections, ${durationS} s per run, median of ${repeats} runs per route and side, routes and sides interleaved`,
          'task-api: JWT (HS256) verification, zod validation, views, metrics, JSON logs at info, relay kick publishing to the local stack’s sidecar (durable log)',
          'baseline: functions-framework handler with the same SQL via pg, no auth, validation, views, metrics or logs',
          `one user, 2,000 open tasks with a reminder each (half tagged work); rate limit lifted (RATE_LIMIT_PER_MINUTE=1e9); autocannon runs on the same ${cpus().length}-core machine`,
        ],
        goals: [],
        runs: Object.fromEntries(results),
      };
    } finally {
      for (const process of started) await process.stop();
      await sidecar.stop();
      await database.drop();
    }
  },
};
