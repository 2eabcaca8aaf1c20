import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.ts';

// The README's commands on a machine whose own Node is older than 24: every npm script goes
// through scripts/with-node24.mjs, which must start on that old Node and hand over to Node 24.
const major = (node: string) =>
  Number(spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0]);
const olderNode = spawnSync('sh', ['-c', 'which -a node'], { encoding: 'utf8' })
  .stdout.split('\n')
  .filter(Boolean)
  .find((node) => major(node) < 24);
const note = olderNode ? ` (${olderNode})` : ' (skipped: no Node older than 24 on PATH)';

/** Runs the launcher with `node` (the old one) first on PATH, as a newcomer's shell would. */
const launch = (node: string, ...args: string[]) =>
  spawnSync(node, [join(repoRoot, 'scripts/with-node24.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
  });

describe('scripts/with-node24.mjs', () => {
  it.skipIf(!olderNode)(
    `runs a command and everything it starts on Node 24 from an older Node${note}`,
    () => {
      const node = olderNode!;
      const direct = launch(node, 'node', '-p', 'process.versions.node');
      expect(direct.stderr).toBe('');
      expect(direct.stdout.split('.')[0]).toBe('24');
      // Children find Node 24 first on PATH: vitest's and tsc's `#!/usr/bin/env node` included.
      const child = launch(node, 'sh', '-c', 'node -p process.versions.node');
      expect(child.stdout.split('.')[0]).toBe('24');
      // TypeScript sources run, which is what Node 20 cannot do.
      const ts = launch(
        node,
        'node',
        '-e',
        "import('./packages/manifests/src/quantity.ts').then(() => console.log('ok'))",
      );
      expect(ts.stdout.trim()).toBe('ok');
    },
  );

  it('passes the exit code through, and runs on the current Node when it is new enough', () => {
    expect(launch(process.execPath, 'node', '-e', 'process.exit(3)').status).toBe(3);
    const same = launch(process.execPath, 'node', '-p', 'process.execPath');
    expect(same.stdout.trim()).toBe(process.execPath);
  });

  it('names the missing command instead of failing silently', () => {
    const result = launch(process.execPath, 'nudge-no-such-command');
    expect(result.status).toBe(127);
    expect(result.stderr).toContain('nudge-no-such-command');
  });
});
