import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult, Row } from './benchmark.ts';
import type { Machine } from './machine.ts';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');

function cell(value: Row[string] | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number')
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

/** A plain-text table, columns padded to their widest cell, numbers right-aligned. */
export function renderTable(columns: readonly string[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const numeric = columns.map((column) => rows.every((row) => typeof row[column] !== 'string'));
  const line = (values: readonly string[]) =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ');
  return [line(columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}

export function renderResult(title: string, result: BenchResult): string {
  const parts = [`\n== ${title}`, renderTable(result.columns, result.rows)];
  for (const note of result.notes) parts.push(`  note: ${note}`);
  for (const goal of result.goals)
    parts.push(`  goal ${goal.met ? 'MET   ' : 'MISSED'} ${goal.name}: ${goal.detail}`);
  return parts.join('\n');
}

export interface ResultFile {
  benchmark: string;
  title: string;
  mode: 'quick' | 'full';
  command: string;
  measured_at: string;
  duration_s: number;
  machine: Machine;
  result: BenchResult;
}

/** Writes `bench/results/<name>.json` (full run) or `<name>.quick.json`; returns the path. */
export async function writeResult(file: ResultFile): Promise<string> {
  const path = join(resultsDir, `${file.benchmark}${file.mode === 'quick' ? '.quick' : ''}.json`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}
