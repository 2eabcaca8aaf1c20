/**
 * `npm run bench [-- --quick] [--only <name>[,<name>]] [--repeats <n>]`: runs the benchmarks
 * against an embedded PostgreSQL (or BENCH_DATABASE_URL, a superuser URL), prints one table per
 * benchmark with the machine it ran on, and writes bench/results/<name>[.quick].json.
 * Exits 1 when a benchmark fails or a figure misses its goal.
 */
import { parseArgs } from 'node:util';
import { startPostgresServer } from '@nudge/testing';
import { benchmarks } from './benchmarks/index.ts';
import type { Goal } from './harness/benchmark.ts';
import { describeMachine, formatMachine } from './harness/machine.ts';
import { renderResult, writeResult } from './harness/report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    repeats: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    `usage: npm run bench -- [--quick] [--only <name>] [--repeats <n>]\nbenchmarks: ${benchmarks.map((b) => b.name).join(', ')}`,
  );
  process.exit(0);
}

const only = values.only?.flatMap((value) => value.split(',')) ?? [];
const unknown = only.filter((name) => !benchmarks.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
const selected =
  only.length === 0 ? benchmarks : benchmarks.filter((benchmark) => only.includes(benchmark.name));
const quick = values.quick;
const repeats = values.repeats ? Number(values.repeats) : quick ? 3 : 5;
const command = ['npm run bench --', ...process.argv.slice(2)].join(' ').replace(/ --$/, '');

const started = Date.now();
const postgres = await startPostgresServer(process.env.BENCH_DATABASE_URL);
const machine = await describeMachine(postgres.adminUrl);
console.log(`Nudge benchmarks (${quick ? 'quick' : 'full'}, medians of ${repeats} runs where repeated)`);
console.log(`machine: ${formatMachine(machine)}`);

const missed: Goal[] = [];
let failures = 0;
try {
  for (const benchmark of selected) {
    const reason = await benchmark.unavailable?.();
    if (reason) {
      console.log(`\n== ${benchmark.title}\n  skipped: ${reason}`);
      continue;
    }
    const log = (message: string) => console.log(`  [${benchmark.name}] ${message}`);
    const begin = Date.now();
    try {
      const result = await benchmark.run({ quick, repeats, postgres, log });
      console.log(renderResult(benchmark.title, result));
      const path = await writeResult({
        benchmark: benchmark.name,
        title: benchmark.title,
        mode: quick ? 'quick' : 'full',
        command,
        measured_at: new Date().toISOString(),
        duration_s: Math.round((Date.now() - begin) / 1000),
        machine,
        result,
      });
      console.log(`  (${Math.round((Date.now() - begin) / 1000)} s, written to ${path})`);
      missed.push(...result.goals.filter((goal) => !goal.met));
    } catch (error) {
      failures += 1;
      console.error(`\n== ${benchmark.title}\n  FAILED:`, error);
    }
  }
} finally {
  await postgres.stop();
}

console.log(`\ntotal ${Math.round((Date.now() - started) / 1000)} s`);
if (missed.length > 0) console.log(`goals missed: ${missed.map((goal) => goal.name).join('; ')}`);
process.exit(failures > 0 || missed.length > 0 ? 1 : 0);
