import { describe, expect, it } from 'vitest';
import { isYaml, listFiles, parseYamlDocuments, readRepoFile } from '../src/repo.ts';

const deployYaml = [
  ...['knative', 'dapr', 'monitoring', 'infra', '.github', 'functions'].flatMap((dir) =>
    listFiles(dir, isYaml),
  ),
  'Taskfile.yml',
];

describe('every deployment YAML file', () => {
  it('finds the files it checks', () => {
    expect(deployYaml.length).toBeGreaterThan(20);
  });

  it.each(deployYaml)('%s parses', (file) => {
    expect(() => parseYamlDocuments(readRepoFile(file), file)).not.toThrow();
  });

  it('rejects a file with a YAML syntax error', () => {
    const file = 'packages/manifests/test/fixtures/broken/syntax-error.txt';
    expect(() => parseYamlDocuments(readRepoFile(file), file)).toThrow(/syntax-error\.txt/);
  });
});
