import type { Benchmark } from '../harness/benchmark.ts';
import { api } from './api.ts';
import { coldStart } from './cold-start.ts';
import { graphileComparison } from './graphile-comparison.ts';
import { lateSet } from './late-set.ts';
import { liveStream } from './live-stream.ts';
import { recurrenceEngine } from './recurrence-engine.ts';
import { recurrencePipeline } from './recurrence-pipeline.ts';
import { reminderBurst } from './reminder-burst.ts';
import { steadyLateness } from './steady-lateness.ts';
import { webApp } from './web-app.ts';

/** In the order; `npm run bench -- --only <name>` picks one. */
export const benchmarks: Benchmark[] = [
  api,
  reminderBurst,
  steadyLateness,
  lateSet,
  recurrencePipeline,
  graphileComparison,
  coldStart,
  recurrenceEngine,
  liveStream,
  webApp,
];
