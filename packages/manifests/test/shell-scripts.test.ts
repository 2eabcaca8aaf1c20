import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalTool } from '../src/kustomize.ts';
import { listFiles, readRepoFile, repoRoot } from '../src/repo.ts';

const scripts = [
  ...listFiles('scripts', (n) => n.endsWith('.sh')),
  ...listFiles('infra', (n) => n.endsWith('.sh')),
];
const shellcheck = externalTool('shellcheck', 'apt-get install shellcheck (.ci/run does)');
const check = (file: string) => {
  shellcheck.require();
  return spawnSync('shellcheck', ['--severity=style', '--external-sources', file], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
};

describe('shell scripts', () => {
  it('finds the deploy scripts', () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        'scripts/deploy-local.sh',
        'scripts/deploy-oracle.sh',
        'scripts/smoke-test.sh',
      ]),
    );
  });

  it.each(scripts)('%s is strict bash (set -euo pipefail)', (file) => {
    const text = readRepoFile(file);
    expect(text.startsWith('#!/usr/bin/env bash')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
  });

  it.skipIf(shellcheck.skip).each(scripts)(`%s passes shellcheck${shellcheck.note}`, (file) => {
    const result = check(file);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(shellcheck.skip)(`shellcheck flags the broken fixture${shellcheck.note}`, () => {
    const result = check(join('packages/manifests/test/fixtures/broken/unquoted.sh'));
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/SC2086/);
  });

  it('a test that needs a missing tool skips on a laptop but fails in CI', () => {
    const laptop = externalTool('nudge-no-such-tool', 'install it', {});
    expect(laptop.skip).toBe(true);
    const ci = externalTool('nudge-no-such-tool', 'install it', { CI: 'true' });
    expect(ci.skip).toBe(false);
    expect(() => ci.require()).toThrow('nudge-no-such-tool is not installed: install it');
    expect(externalTool('sh', 'always there', { CI: 'true' }).require()).toBeUndefined();
  });
});
