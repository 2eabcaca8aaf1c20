import { schedule } from '@nudge/core';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { median, round } from '../harness/stats.ts';

/*
 * One computation is what on-task-completed does per completion: build the schedule from the
 * series' rule, anchor and zone, and ask for the first occurrence after an instant. The anchor
 * is 90 days back, so each computation walks a realistic series history.
 */
const cases = [
  { pair: 'daily', zone: 'UTC', rule: 'FREQ=DAILY' },
  { pair: 'daily', zone: 'Europe/Berlin', rule: 'FREQ=DAILY' },
  { pair: 'Mon/Wed/Fri', zone: 'UTC', rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR' },
  { pair: 'Mon/Wed/Fri', zone: 'America/New_York', rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR' },
  { pair: 'monthly, last Friday', zone: 'UTC', rule: 'FREQ=MONTHLY;BYDAY=-1FR' },
  { pair: 'monthly, last Friday', zone: 'Australia/Sydney', rule: 'FREQ=MONTHLY;BYDAY=-1FR' },
] as const;

const day = 86_400_000;

function computationsPerSecond(rule: string, zone: string, windowMs: number): number {
  const base = Date.UTC(2026, 10, 22, 9, 0, 0);
  const dtstart = new Date(base - 90 * day);
  let count = 0;
  let sink = 0;
  const start = performance.now();
  const deadline = start + windowMs;
  while (performance.now() < deadline) {
    for (let i = 0; i < 50; i += 1) {
      const instant = new Date(base + ((count + i) % 97) * 3_600_000);
      sink += schedule({ rule, dtstart, timezone: zone }).after(instant)?.getTime() ?? 0;
    }
    count += 50;
  }
  if (sink === 42) console.log(''); // keeps the results observable so the loop is not optimised away
  return count / ((performance.now() - start) / 1000);
}

export const recurrenceEngine: Benchmark = {
  name: 'recurrence-engine',
  title: '7. Recurrence engine: next-occurrence computations per second, UTC vs named zone',
  async run({ quick, repeats, log }) {
    const windowMs = quick ? 500 : 2_000;
    for (const c of cases) computationsPerSecond(c.rule, c.zone, 200); // warm up the JIT and luxon's zone cache
    const perCase = cases.map(() => [] as number[]);
    for (let r = 0; r < repeats; r += 1) {
      // Interleave cases within each repeat so background load hits every case alike.
      for (const [i, c] of cases.entries()) perCase[i]!.push(computationsPerSecond(c.rule, c.zone, windowMs));
      log(`repeat ${r + 1}/${repeats} done`);
    }
    const medians = perCase.map((runs) => median(runs));
    const rows: Row[] = cases.map((c, i) => {
      const utcIndex = cases.findIndex((other) => other.pair === c.pair && other.zone === 'UTC');
      return {
        rule: c.pair,
        zone: c.zone,
        'computations/s': Math.round(medians[i]!),
        'µs each': round(1e6 / medians[i]!, 1),
        'cost vs UTC': round(medians[utcIndex]! / medians[i]!, 2),
      };
    });
    const worst = Math.max(...rows.map((row) => row['cost vs UTC'] as number));
    return {
      columns: ['rule', 'zone', 'computations/s', 'µs each', 'cost vs UTC'],
      rows,
      notes: [
        `one computation = schedule({rule, dtstart, timezone}).after(instant), as on-task-completed does per completion; series anchored 90 days back`,
        `median of ${repeats} windows of ${windowMs} ms per case, cases interleaved; single thread`,
      ],
      goals: [{ name: 'named zone ≤ 2× UTC cost', met: worst <= 2, detail: `worst ratio ${worst}×` }],
      runs: cases.map((c, i) => ({ ...c, computations_per_s: perCase[i]!.map((v) => Math.round(v)) })),
    };
  },
};
