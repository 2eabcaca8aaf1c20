import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.ts';

/** The function workspaces under functions/: their names are Dapr app-ids and Knative Service names. */
export function functionNames(): string[] {
  return readdirSync(join(repoRoot, 'functions')).filter((name) =>
    existsSync(join(repoRoot, 'functions', name, 'package.json')),
  );
}

/** One topic per line of knative/base/data/topics.txt: name, partitions, retention. */
export function topics(text: string): { name: string; partitions: number }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [name, partitions] = line.split(/\s+/);
      return { name: name!, partitions: Number(partitions) };
    });
}
