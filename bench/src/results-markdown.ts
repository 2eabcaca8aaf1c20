/**
 * Prints the tables of the latest results (bench/results/*.json) as Markdown, for
 * docs/BENCHMARKS.md: `node bench/src/results-markdown.ts [--quick]`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Row } from './harness/benchmark.ts';
import { type ResultFile, resultsDir } from './harness/report.ts';

const quick = process.argv.includes('--quick');
const cell = (value: Row[string] | undefined) =>
  value === null || value === undefined || value === ''
    ? ''
    : typeof value === 'number'
      ? value.toLocaleString('en-US')
      : String(value).replace(/\|/g, '\\|');

for (const file of (await readdir(resultsDir)).sort()) {
  if (!file.endsWith('.json') || file.endsWith('.quick.json') !== quick) continue;
  const result = JSON.parse(await readFile(join(resultsDir, file), 'utf8')) as ResultFile;
  const { columns, rows, goals } = result.result;
  console.log(`### ${result.benchmark} (${result.measured_at}, ${result.mode}: \`${result.command}\`)\n`);
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`| ${columns.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${columns.map((column) => cell(row[column])).join(' | ')} |`);
  for (const goal of goals) console.log(`\n${goal.met ? '✅' : '❌'} ${goal.name}: ${goal.detail}`);
  console.log('');
}
