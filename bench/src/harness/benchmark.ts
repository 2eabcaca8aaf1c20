import type { PostgresServer } from '@nudge/testing';

/** One row of a benchmark's table; the same object goes into the JSON result. */
export type Row = Record<string, string | number | boolean | null>;

/** A goal a figure must meet; a miss is printed and recorded, and fails `npm run bench`. */
export interface Goal {
  name: string;
  met: boolean;
  detail: string;
}

export interface BenchResult {
  /** Columns in display order; every row has them. */
  columns: string[];
  rows: Row[];
  /** What was compared, scaled down or shortened, so a reader knows what the figures mean. */
  notes: string[];
  goals: Goal[];
  /** Raw per-run figures, kept in the JSON for anyone who wants more than the medians. */
  runs?: unknown;
}

export interface BenchContext {
  quick: boolean;
  /** Repetitions for figures quoted as medians. */
  repeats: number;
  postgres: PostgresServer;
  log(message: string): void;
}

export interface Benchmark {
  /** CLI name (`--only <name>`) and the JSON file name under bench/results/. */
  name: string;
  title: string;
  /** Why the benchmark cannot run yet (its subject has not landed), or null. */
  unavailable?(): Promise<string | null>;
  run(context: BenchContext): Promise<BenchResult>;
}
