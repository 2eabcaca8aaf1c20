import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isK8sObject, type K8sObject, parseYamlDocuments, repoRoot } from './repo.ts';

/** True when a command is on PATH, so tests can skip (and say so) on machines without it. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** `kubectl kustomize <dir>` parsed into objects; throws with kustomize's own message on failure. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const output = execFileSync('kubectl', ['kustomize', join(repoRoot, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseYamlDocuments(output, dir).filter(isK8sObject);
}
