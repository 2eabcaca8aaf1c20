import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listFiles, readRepoFile } from '../src/repo.ts';

const workflows = listFiles('.github/workflows', (n) => /\.ya?ml$/.test(n));

/** Problems with a workflow's supply chain and token scope. */
function workflowProblems(text: string): string[] {
  const problems: string[] = [];
  const workflow = parse(text);
  if (!workflow.permissions)
    problems.push('no top-level permissions: the token would get the repository default');
  if (workflow.permissions === 'write-all') problems.push('permissions: write-all');
  for (const match of text.matchAll(/uses:\s*(\S+)(.*)/g)) {
    const [, ref, rest] = match;
    if (ref!.startsWith('./')) continue;
    if (!/@[0-9a-f]{40}$/.test(ref!)) problems.push(`${ref} is not pinned to a full commit SHA`);
    else if (!/#\s*v\d/.test(rest!)) problems.push(`${ref} has no version comment`);
  }
  return problems;
}

describe('GitHub workflows', () => {
  it('has CI, images and the Oracle deploy', () => {
    expect(workflows).toEqual([
      '.github/workflows/ci.yml',
      '.github/workflows/deploy-oracle.yml',
      '.github/workflows/images.yml',
    ]);
  });

  it.each(workflows)('%s pins every action by SHA and declares least permissions', (file) => {
    expect(workflowProblems(readRepoFile(file))).toEqual([]);
  });

  it('builds images for amd64 and arm64', () => {
    expect(readRepoFile('.github/workflows/images.yml')).toContain('platforms: linux/amd64,linux/arm64');
  });

  it('catches a workflow pinned by tag and without permissions', () => {
    const broken = 'on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n';
    expect(workflowProblems(broken)).toEqual([
      'no top-level permissions: the token would get the repository default',
      'actions/checkout@v4 is not pinned to a full commit SHA',
    ]);
  });
});

describe('Taskfile.yml', () => {
  const tasks = parse(readRepoFile('Taskfile.yml')).tasks as Record<string, { desc?: string }>;

  it('offers the tasks the README and docs name', () => {
    for (const name of [
      'dev',
      'test',
      'lint',
      'images',
      'invoke',
      'deploy:local',
      'deploy:oracle',
      'logs',
      'undeploy',
      'monitoring',
    ])
      expect(Object.keys(tasks)).toContain(name);
  });

  it('gives every task a one-line description, so task --list shows them all', () => {
    for (const [name, task] of Object.entries(tasks)) {
      expect(task.desc, name).toBeTruthy();
      expect(task.desc, name).not.toContain('\n');
    }
  });
});
