import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root, so every check reads the files a deploy would use. */
export const repoRoot = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');

const skipped = new Set(['node_modules', '.git', '.data', '.tools', 'dist', 'coverage', 'bench']);

/** Every file under `dir` (relative to the repo) whose name passes `accept`, skipping build output. */
export function listFiles(dir: string, accept: (name: string) => boolean): string[] {
  const root = join(repoRoot, dir);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      if (skipped.has(entry) || entry.startsWith('.deploy-')) continue;
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (accept(entry)) found.push(relative(repoRoot, full));
    }
  };
  walk(root);
  return found.sort();
}

export const isYaml = (name: string) => /\.ya?ml$/.test(name);

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** Kubernetes-style object: only the fields every check needs are typed. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
};

/** Parses a multi-document YAML text; throws on the first syntax error with its position. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      return doc.toJS();
    })
    .filter((value) => value !== null && value !== undefined);
}

export function isK8sObject(value: unknown): value is K8sObject {
  const v = value as Partial<K8sObject> | null;
  return typeof v?.apiVersion === 'string' && typeof v.kind === 'string' && typeof v.metadata === 'object';
}
