import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../src/repo.ts';

const pinned = Object.fromEntries(
  readRepoFile('knative/platform/versions.env')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

describe('pinned versions', () => {
  it('pins every platform component to an exact version', () => {
    for (const key of [
      'KNATIVE_SERVING_VERSION',
      'KNATIVE_KOURIER_VERSION',
      'DAPR_CHART_VERSION',
      'CERT_MANAGER_VERSION',
      'K3S_VERSION',
    ])
      expect(pinned[key], key).toMatch(/^v?\d+\.\d+\.\d+(\+k3s\d+)?$/);
  });

  it('names the same versions in docs/deploy.md', () => {
    const docs = readRepoFile('docs/deploy.md');
    for (const [key, version] of Object.entries(pinned)) expect(docs, `${key}=${version}`).toContain(version);
    const base = readRepoFile('knative/base/kustomization.yaml');
    for (const tag of [...base.matchAll(/newTag: (\S+)/g)].map((m) => m[1]!)) expect(docs).toContain(tag);
  });
});
