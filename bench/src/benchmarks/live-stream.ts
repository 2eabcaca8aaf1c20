// Self-contained (node builtins, @nudge/core, jose): the live-push benchmark of issue 10.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@nudge/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';

const taskApiEntry = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'functions',
  'task-api',
  'src',
  'main.ts',
);
const secret = 'bench-secret-bench-secret-bench-secret!';
const streams = 1_000;
const changesPerSecond = 50;
const clockTicks = 100; // USER_HZ on Linux

/** Resident memory (bytes) and CPU time (s) of a process, from /proc. */
function usage(pid: number): { rss: number; cpu: number } {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rss: rssKb * 1024, cpu: (Number(fields[11]) + Number(fields[12])) / clockTicks };
}

interface Inspector {
  /** A full garbage collection in task-api, then its RSS and live heap: deltas count objects, not garbage. */
  collectAndMeasure(): Promise<{ rss: number; heapUsed: number }>;
  close(): void;
}

/** Talks to task-api's inspector (started with --inspect on a free port) over the DevTools protocol. */
async function connectInspector(url: string): Promise<Inspector> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let next = 0;
  const waiting = new Map<number, (result: any) => void>();
  socket.addEventListener('message', (message) => {
    const { id, result } = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
    if (id !== undefined) waiting.get(id)?.(result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve) => {
      next += 1;
      waiting.set(next, resolve);
      socket.send(JSON.stringify({ id: next, method, params }));
    });
  return {
    async collectAndMeasure() {
      await call('HeapProfiler.collectGarbage');
      const answer = await call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      const { rss, heapUsed } = JSON.parse(answer.result.value) as { rss: number; heapUsed: number };
      return { rss, heapUsed };
    },
    close: () => socket.close(),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface OpenStream {
  /** Called with the arrival time of each `changed` event. */
  onEvent: ((at: number) => void) | null;
  close(): void;
}

/** One SSE connection on its own socket; resolves once the server's first bytes arrived. */
function openStream(port: number, token: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const stream: OpenStream = { onEvent: null, close: () => req.destroy() };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/stream',
        agent: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let first = true;
        res.on('data', (chunk: string) => {
          if (first) {
            first = false;
            resolve(stream);
          }
          if (chunk.includes('event: changed')) stream.onEvent?.(performance.now());
        });
        res.on('error', () => {});
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const liveStream: Benchmark = {
  name: 'live-stream',
  title: `10. Live push: commit → SSE event with ${streams.toLocaleString('en')} open streams on one task-api; memory and CPU of idle streams`,
  async run({ quick, postgres, log }) {
    const database = await postgres.database('bench_stream');
    const port = await freePort();
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', taskApiEntry], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        AUTH_JWT_SECRET: secret,
        PORT: String(port),
        DAPR_HTTP_PORT: String(await freePort()),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const inspectorUrl = new Promise<string>((resolve) => {
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        const match = /Debugger listening on (ws:\/\/\S+)/.exec(text);
        if (match) resolve(match[1]!);
        else if (!/For help, see|Debugger attached|Waiting for the debugger/.test(text))
          process.stderr.write(text);
      });
    });
    let inspector: Inspector | null = null;
    const open: OpenStream[] = [];
    try {
      const users = Array.from({ length: streams }, (_, i) => `stream-user-${i}`);
      await sql`insert into users (id, email) select u, u || '@bench.example' from unnest(${users}::text[]) as u`.execute(
        database.db,
      );
      await sql`insert into tasks (user_id, title) select u, 'Watched task' from unnest(${users}::text[]) as u`.execute(
        database.db,
      );
      const tokens = await Promise.all(
        users.map((user) =>
          new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(user)
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode(secret)),
        ),
      );
      for (let i = 0; ; i += 1) {
        if (
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (i > 300) throw new Error('task-api did not start');
        await pause(100);
      }
      const openAll = async () => {
        for (let i = 0; i < streams; i += 50) {
          open.push(...(await Promise.all(tokens.slice(i, i + 50).map((token) => openStream(port, token)))));
        }
      };
      inspector = await connectInspector(await inspectorUrl);
      // Warm up: the first stream starts the LISTEN connection and loads the stream code.
      (await openStream(port, tokens[0]!)).close();
      await pause(2_000);
      const idleS = quick ? 10 : 30;
      const idleCpu = async () => {
        const start = usage(child.pid!).cpu;
        await pause(idleS * 1000);
        return ((usage(child.pid!).cpu - start) / idleS) * 100;
      };
      const before = await inspector.collectAndMeasure();
      await pause(2_000);
      const baselineCpuPercent = await idleCpu();

      log(`opening ${streams} streams`);
      await openAll();
      await pause(3_000);
      const after = await inspector.collectAndMeasure();
      await pause(2_000); // the GC's own concurrent work stays out of the CPU window
      const idleCpuPercent = await idleCpu();
      const rssDeltaMiB = (after.rss - before.rss) / 2 ** 20;
      const heapDeltaMiB = (after.heapUsed - before.heapUsed) / 2 ** 20;
      log(
        `idle: RSS +${rssDeltaMiB.toFixed(1)} MiB, heap +${heapDeltaMiB.toFixed(1)} MiB, CPU ${idleCpuPercent.toFixed(2)} % (without streams ${baselineCpuPercent.toFixed(2)} %)`,
      );

      // 50 commits a second, each on a random user's task from this process (a single-statement
      // transaction); latency = from sending the statement until that user's stream has the event.
      const latencies: number[] = [];
      const order = users.map((_, i) => i).sort(() => Math.random() - 0.5);
      const durationS = quick ? 5 : 20;
      const total = durationS * changesPerSecond;
      const pending: Promise<void>[] = [];
      const loadStart = usage(child.pid!);
      const began = performance.now();
      for (let n = 0; n < total; n += 1) {
        const wait = began + (n * 1000) / changesPerSecond - performance.now();
        if (wait > 0) await pause(wait);
        // Each user at most once per pass, so one stream never waits for two changes at a time.
        const index = order[n % streams]!;
        const stream = open[index]!;
        pending.push(
          new Promise<void>((resolve) => {
            const sent = performance.now();
            const timer = setTimeout(() => {
              stream.onEvent = null;
              resolve(); // a miss: counted below
            }, 5_000);
            stream.onEvent = (at) => {
              stream.onEvent = null;
              clearTimeout(timer);
              latencies.push(at - sent);
              resolve();
            };
            sql`update tasks set description = ${String(n)} where user_id = ${users[index]!}`
              .execute(database.db)
              .catch(() => {});
          }),
        );
      }
      await Promise.all(pending);
      const loadEnd = usage(child.pid!);
      const elapsedS = (performance.now() - began) / 1000;
      const missed = total - latencies.length;
      const p50 = quantile(latencies, 0.5);
      const p95 = quantile(latencies, 0.95);
      const rows: Row[] = [
        {
          measure: `push latency p50 (${changesPerSecond} changes/s, ${streams} streams)`,
          value: Math.round(p50 * 10) / 10,
          unit: 'ms',
        },
        { measure: 'push latency p95', value: Math.round(p95 * 10) / 10, unit: 'ms' },
        { measure: 'push latency max', value: Math.round(Math.max(...latencies) * 10) / 10, unit: 'ms' },
        { measure: 'changes without an event within 5 s', value: missed, unit: 'count' },
        {
          measure: `task-api CPU under ${changesPerSecond} changes/s`,
          value: Math.round(((loadEnd.cpu - loadStart.cpu) / elapsedS) * 1000) / 10,
          unit: '% of a core',
        },
        {
          measure: `RSS of ${streams} idle streams (delta after full GC)`,
          value: Math.round(rssDeltaMiB * 10) / 10,
          unit: 'MiB',
        },
        {
          measure: `live JS heap of ${streams} idle streams (delta after full GC)`,
          value: Math.round(heapDeltaMiB * 10) / 10,
          unit: 'MiB',
        },
        {
          measure: `task-api CPU with ${streams} idle streams (${idleS} s)`,
          value: Math.round(idleCpuPercent * 100) / 100,
          unit: '% of a core',
        },
        {
          measure: `task-api CPU without streams (${idleS} s)`,
          value: Math.round(baselineCpuPercent * 100) / 100,
          unit: '% of a core',
        },
      ];
      return {
        columns: ['measure', 'value', 'unit'],
        rows,
        notes: [
          `One task-api process (src/main.ts) with ${streams} SSE connections, one per user, each on its own socket from the bench process.`,
          'Changes are single-statement UPDATEs from the bench process (not through task-api), so the figure is the push path alone: commit → NOTIFY → LISTEN connection → cursor read → SSE write → client.',
          'Latency starts when the statement is sent, so it includes the statement and its commit.',
          'Memory: task-api runs with --inspect; before and after opening the streams the bench forces a full GC through the inspector (HeapProfiler.collectGarbage) and reads process.memoryUsage(), so the deltas are what the open streams hold, not garbage from opening them.',
          'Idle CPU: /proc utime+stime over the idle window, with and without the streams; a heartbeat round falls into the window only when it passes 25 s (full run).',
        ],
        goals: [
          {
            name: 'push p95 < 1 s',
            met: p95 < 1_000 && missed === 0,
            detail: `p95 ${p95.toFixed(1)} ms, ${missed} missed`,
          },
          {
            name: `${streams} idle streams < 50 MiB`,
            met: rssDeltaMiB < 50,
            detail: `${rssDeltaMiB.toFixed(1)} MiB`,
          },
          {
            name: 'idle streams cost no measurable CPU (< 0.5 % of a core over an idle process)',
            met: idleCpuPercent - baselineCpuPercent < 0.5,
            detail: `${idleCpuPercent.toFixed(2)} % with, ${baselineCpuPercent.toFixed(2)} % without`,
          },
        ],
        runs: { latencies_ms: latencies.map((l) => Math.round(l * 10) / 10) },
      };
    } finally {
      for (const stream of open) stream.close();
      inspector?.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await database.drop();
    }
  },
};
