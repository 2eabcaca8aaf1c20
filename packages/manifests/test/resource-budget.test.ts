import { describe, expect, it } from 'vitest';
import {
  footprint,
  knativeReplicas,
  type Line,
  readBudget,
  toResources,
  total,
  workloadLines,
} from '../src/budget.ts';
import { externalTool, kustomizeBuild } from '../src/kustomize.ts';
import { formatCores, formatGi } from '../src/quantity.ts';
import { isK8sObject, parseYamlDocuments, readRepoFile } from '../src/repo.ts';

const kubectl = externalTool('kubectl', 'https://kubernetes.io/docs/tasks/tools/');
const note = kubectl.note;

const table = (lines: Line[]) =>
  lines
    .map(
      (l) =>
        `${l.name.padEnd(52)} x${l.replicas}  req ${formatCores(l.perReplica.requests.cpu)}/${formatGi(l.perReplica.requests.memory)}` +
        `  lim ${formatCores(l.perReplica.limits.cpu)}/${formatGi(l.perReplica.limits.memory)}`,
    )
    .join('\n');

/** Problems when the footprint does not fit capacity minus headroom (requests and limits alike). */
function overBudget(overlay: string, lines: Line[]): string[] {
  const budget = readBudget(overlay);
  const sum = total(lines);
  const cpu = budget.capacity.cpu - budget.headroom.cpu;
  const memory = budget.capacity.memory - budget.headroom.memory;
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    if (sum[kind].cpu > cpu && (kind === 'requests' || budget.checkCpuLimits))
      problems.push(`${kind} CPU ${formatCores(sum[kind].cpu)} > ${formatCores(cpu)}`);
    if (sum[kind].memory > memory)
      problems.push(`${kind} memory ${formatGi(sum[kind].memory)} > ${formatGi(memory)}`);
  }
  return problems;
}

describe.each(['oracle', 'local'])('the %s overlay fits its machine with headroom', (overlay) => {
  it.skipIf(kubectl.skip)(`sums every request and limit, sidecars and control planes included${note}`, () => {
    const lines = footprint(overlay, kustomizeBuild(`knative/overlays/${overlay}`));
    const sum = total(lines);
    console.log(
      `${overlay} footprint\n${table(lines)}\nTOTAL requests ${formatCores(sum.requests.cpu)} / ${formatGi(sum.requests.memory)}, ` +
        `limits ${formatCores(sum.limits.cpu)} / ${formatGi(sum.limits.memory)}`,
    );
    expect(lines.some((l) => l.name.startsWith('ksvc/cron-scan'))).toBe(true);
    expect(lines.some((l) => l.name.includes('activator'))).toBe(true);
    expect(lines.some((l) => l.name.includes('dapr_sentry'))).toBe(true);
    expect(overBudget(overlay, lines)).toEqual([]);
  });
});

describe('the budget check catches what would not fit', () => {
  const fixture = parseYamlDocuments(
    readRepoFile('packages/manifests/test/fixtures/broken/oversized.yaml'),
    'oversized.yaml',
  ).filter(isK8sObject);
  const queueProxy = toResources(
    { requests: { cpu: '10m', memory: '24Mi' }, limits: { cpu: '50m', memory: '64Mi' } },
    'qp',
  );

  it('fails a Service that scales past the Always Free shape', () => {
    const lines = workloadLines([fixture[0]!], queueProxy);
    expect(lines[0]!.replicas).toBe(12);
    expect(overBudget('oracle', lines).join()).toMatch(/limits memory/);
  });

  it('refuses to budget a container without limits', () => {
    expect(() => workloadLines([fixture[1]!], queueProxy)).toThrow(/no limits\.cpu/);
  });

  it('refuses to budget a scale-to-zero Service without max-scale', () => {
    expect(() => knativeReplicas({ 'autoscaling.knative.dev/min-scale': '0' })).toThrow(/max-scale/);
  });
});
