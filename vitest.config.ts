import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per workspace that has tests; one PostgreSQL server for the whole run.
const workspaces = ['packages', 'functions']
  .flatMap((root) => readdirSync(root).map((name) => `${root}/${name}`))
  .concat('web')
  .filter((dir) => existsSync(`${dir}/test`));

export default defineConfig({
  test: {
    globalSetup: ['packages/testing/src/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: workspaces.map((dir) => ({
      extends: true,
      test: { name: dir.split('/')[1] ?? dir, root: dir, include: ['test/**/*.test.ts'] },
    })),
  },
});
