import type { Benchmark } from '../harness/benchmark.ts';
import { api } from './api.ts';
import { coldStart } from './cold-start.ts';
import { recurrenceEngine } from './recurrence-engine.ts';

/** In the order; `npm run bench -- --only <name>` picks one. */
export const benchmarks: Benchmark[] = [api, coldStart, recurrenceEngine];
