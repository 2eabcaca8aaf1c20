import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isK8sObject, type K8sObject, parseYamlDocuments, repoRoot } from './repo.ts';

/** True when a command is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * For tests that need an external tool: on a laptop without it they skip and say so; in CI
 * (CI=true, as .ci/run and GitHub set it) they never skip, and `require()` fails them with the
 * install hint, so a missing tool cannot pass silently.
 */
export function externalTool(command: string, install: string, env: NodeJS.ProcessEnv = process.env) {
  const installed = hasCommand(command);
  return {
    skip: !installed && env.CI !== 'true',
    note: installed ? '' : ` (skipped: ${command} is not installed)`,
    require(): void {
      if (!installed) throw new Error(`${command} is not installed: ${install}`);
    },
  };
}

/** `kubectl kustomize <dir>` parsed into objects; throws with kustomize's own message on failure. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const output = execFileSync('kubectl', ['kustomize', join(repoRoot, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseYamlDocuments(output, dir).filter(isK8sObject);
}
