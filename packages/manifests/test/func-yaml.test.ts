import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { functionNames } from '../src/functions.ts';
import { parseYamlDocuments, readRepoFile, repoRoot } from '../src/repo.ts';

type Env = { name: string };
const ksvc = (name: string) =>
  parseYamlDocuments(readRepoFile(`knative/base/functions/${name}.yaml`), name)[0] as {
    metadata: { name: string };
    spec: {
      template: {
        metadata?: { annotations?: Record<string, string> };
        spec: { containers: { env?: Env[] }[] };
      };
    };
  };

/** Differences between a func.yaml and the Knative Service deployed for the same function. */
function funcYamlProblems(funcYaml: any, service: ReturnType<typeof ksvc>): string[] {
  const problems: string[] = [];
  if (funcYaml.name !== service.metadata.name)
    problems.push(`func.yaml name ${funcYaml.name} is not the Service name ${service.metadata.name}`);
  const funcEnv = new Set(((funcYaml.run?.envs ?? []) as Env[]).map((e) => e.name));
  const serviceEnv = new Set((service.spec.template.spec.containers[0]!.env ?? []).map((e) => e.name));
  for (const name of serviceEnv) if (!funcEnv.has(name)) problems.push(`func.yaml lacks env ${name}`);
  for (const name of funcEnv)
    if (!serviceEnv.has(name)) problems.push(`the Knative Service lacks env ${name}`);
  const annotations = service.spec.template.metadata?.annotations ?? {};
  const scale = funcYaml.deploy?.options?.scale ?? {};
  for (const [key, annotation] of [
    ['min', 'autoscaling.knative.dev/min-scale'],
    ['max', 'autoscaling.knative.dev/max-scale'],
  ] as const)
    if (String(scale[key]) !== annotations[annotation])
      problems.push(
        `func.yaml scale.${key} ${scale[key]} is not the Service's ${annotation} ${annotations[annotation]}`,
      );
  return problems;
}

describe.each(functionNames())('functions/%s/func.yaml', (name) => {
  const file = `functions/${name}/func.yaml`;

  it.skipIf(!existsSync(join(repoRoot, 'functions', name, 'src', 'index.ts')))(
    'exists and agrees with its Knative Service on name, env and scale',
    () => {
      expect(existsSync(join(repoRoot, file)), `${file} is missing`).toBe(true);
      expect(funcYamlProblems(parse(readRepoFile(file)), ksvc(name))).toEqual([]);
    },
  );
});

describe('the func.yaml check', () => {
  it('catches a func.yaml whose name and env drifted from the Service', () => {
    const drifted = parse(readRepoFile('packages/manifests/test/fixtures/broken/func.yaml'));
    const problems = funcYamlProblems(drifted, ksvc('on-reminder-due'));
    expect(problems).toContain('func.yaml name on-reminder is not the Service name on-reminder-due');
    expect(problems).toContain('func.yaml lacks env SMTP_URL');
    expect(problems).toContain('the Knative Service lacks env SMTP_HOST');
    expect(problems.join()).toMatch(/scale\.min/);
  });
});
