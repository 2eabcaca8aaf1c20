import { defineConfig } from 'vitest/config';

/*
 * `npm run test:faults`: the fault tests drive the whole local stack (processes, PostgreSQL,
 * SMTP) and take minutes, so they live outside the default `npm test` run. Files run one at a
 * time: each starts its own stack and they would starve each other on a small CI machine.
 */
export default defineConfig({
  test: {
    name: 'faults',
    root: import.meta.dirname,
    include: ['*.test.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
