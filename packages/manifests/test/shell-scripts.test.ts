import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand } from '../src/kustomize.ts';
import { listFiles, readRepoFile, repoRoot } from '../src/repo.ts';

const scripts = [
  ...listFiles('scripts', (n) => n.endsWith('.sh')),
  ...listFiles('infra', (n) => n.endsWith('.sh')),
];
const shellcheck = hasCommand('shellcheck');
const note = shellcheck ? '' : ' (skipped: shellcheck is not installed)';
const check = (file: string) =>
  spawnSync('shellcheck', ['--severity=style', '--external-sources', file], {
    cwd: repoRoot,
    encoding: 'utf8',
  });

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

  it.skipIf(!shellcheck).each(scripts)(`%s passes shellcheck${note}`, (file) => {
    const result = check(file);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!shellcheck)(`shellcheck flags the broken fixture${note}`, () => {
    const result = check(join('packages/manifests/test/fixtures/broken/unquoted.sh'));
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/SC2086/);
  });
});
