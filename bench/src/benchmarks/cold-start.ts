import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@nudge/core';
import { startAcceptingSidecar } from '../harness/accepting-sidecar.ts';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { repoRoot, waitForHttp } from '../harness/functions.ts';
import { spawnNode } from '../harness/processes.ts';
import { startSmtpSink } from '../harness/smtp-sink.ts';
import { median, round } from '../harness/stats.ts';

const functionNames = ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan'] as const;
const entryOf = (name: string) => join(repoRoot, 'functions', name, 'src', 'main.ts');

const execFileAsync = promisify(execFile);

/**
 * Bundles a function exactly as its image does (scripts/bundle.sh: src/main.ts with
 * every dependency inlined) and copies main.mjs out of the repository,
 * so nothing outside the bundle can be resolved — as in the image's /app.
 */
async function bundle(name: string, outDir: string): Promise<string> {
  await execFileAsync('bash', [join(repoRoot, 'scripts', 'bundle.sh'), name], { cwd: repoRoot });
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  for (const file of ['main.mjs', 'main.mjs.map']) {
    await copyFile(join(repoRoot, 'dist', name, file), join(dir, file));
  }
  return join(dir, 'main.mjs');
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
  return kib / 1024;
}

export const coldStart: Benchmark = {
  name: 'cold-start',
  title: "6. Cold start and idle footprint per function (the image's bundle: node main.mjs)",
  async unavailable() {
    return functionNames.some((name) => existsSync(entryOf(name)))
      ? null
      : 'no function entry has landed yet';
  },
  async run({ quick, repeats: requested, postgres, log }) {
    const repeats = Math.min(requested, quick ? 2 : 3);
    const present = functionNames.filter((name) => existsSync(entryOf(name)));
    const outDir = await mkdtemp(join(tmpdir(), 'nudge-bench-bundle-'));
    const database = await postgres.database('bench_cold');
    const sidecar = await startAcceptingSidecar();
    const smtp = await startSmtpSink();
    try {
      const bundles = new Map<string, { file: string; kib: number }>();
      for (const name of present) {
        const file = await bundle(name, outDir);
        bundles.set(name, { file, kib: (await stat(file)).size / 1024 });
      }
      const env = {
        DATABASE_URL: database.url,
        AUTH_JWT_SECRET: 'bench-secret-bench-secret-bench-secret!',
        DAPR_HTTP_PORT: String(sidecar.port),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Nudge <reminders@nudge.example>',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
      };
      type Samples = { start_ms: number[]; rss_mib: number[]; rss_maps_mib: number[] };
      const samples = new Map<string, Samples>(
        present.map((name) => [name, { start_ms: [], rss_mib: [], rss_maps_mib: [] }]),
      );
      // The image's entrypoint (node /app/main.mjs), and the same with --enable-source-maps, which
      // an operator may turn on per pod: Node then keeps the parsed map of the bundle in memory.
      const start = async (name: string, flags: string[]) => {
        const port = await freePort();
        const begin = performance.now();
        const [script, ...args] = [...flags, bundles.get(name)!.file];
        const fn = await spawnNode(script!, args, { env: { ...env, PORT: String(port) }, cwd: outDir });
        await waitForHttp(`http://127.0.0.1:${port}/healthz`).catch(async (error: unknown) => {
          await fn.stop('SIGKILL');
          throw new Error(`${name} did not start:\n${fn.tail()}`, { cause: error });
        });
        const startMs = performance.now() - begin;
        await new Promise((resolve) => setTimeout(resolve, 1_500)); // idle: let startup garbage settle
        const rss = await rssMiB(fn.pid);
        await fn.stop();
        return { startMs, rss };
      };
      for (let r = 0; r < repeats; r += 1) {
        for (const name of present) {
          const shipped = await start(name, []);
          const withMaps = await start(name, ['--enable-source-maps']);
          samples.get(name)!.start_ms.push(shipped.startMs);
          samples.get(name)!.rss_mib.push(shipped.rss);
          samples.get(name)!.rss_maps_mib.push(withMaps.rss);
        }
        log(`repeat ${r + 1}/${repeats} done`);
      }
      const rows: Row[] = present.map((name) => ({
        function: name,
        'bundle KiB': Math.round(bundles.get(name)!.kib),
        'spawn → first answer ms': Math.round(median(samples.get(name)!.start_ms)),
        'idle RSS MiB': round(median(samples.get(name)!.rss_mib), 1),
        'idle RSS with source maps MiB': round(median(samples.get(name)!.rss_maps_mib), 1),
      }));
      const missing = functionNames.filter((name) => !present.includes(name));
      return {
        columns: Object.keys(rows[0]!),
        rows,
        notes: [
          'bundle built by scripts/bundle.sh (as the Dockerfile does) and run alone outside the repository: spawn of `node main.mjs` until GET /healthz answers 200 (polled every 20 ms); RSS from /proc 1.5 s after start; last column: the same bundle started with --enable-source-maps',
          `median of ${repeats} starts per function, functions interleaved`,
          ...(missing.length > 0 ? [`not measured (not landed yet): ${missing.join(', ')}`] : []),
        ],
        goals: [],
        runs: Object.fromEntries(samples),
      };
    } finally {
      await smtp.stop();
      await sidecar.stop();
      await database.drop();
      await rm(outDir, { recursive: true, force: true });
    }
  },
};
