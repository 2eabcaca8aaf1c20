// Sums what a target deploys: every container of every workload the overlay builds (Knative
// Services at the replica count they can reach on their own, each with its Dapr sidecar from
// annotations and its queue-proxy from config-deployment), the control planes sized by
// knative/platform/, and the distribution's own pods listed in the overlay's budget.yaml.
import { parse } from 'yaml';
import { parseCpu, parseMemory } from './quantity.ts';
import { type K8sObject, parseYamlDocuments, readRepoFile } from './repo.ts';

export type Resources = {
  requests: { cpu: number; memory: number };
  limits: { cpu: number; memory: number };
};
export type Line = { name: string; replicas: number; perReplica: Resources };

type Quantities = { cpu?: string | number; memory?: string | number };
type RawResources = { requests?: Quantities; limits?: Quantities };

/** Converts a container's resources, failing when a request or limit is missing: unbounded pods cannot be budgeted. */
export function toResources(raw: RawResources | undefined, what: string): Resources {
  const need = (q: Quantities | undefined, key: 'cpu' | 'memory', kind: string) => {
    const value = q?.[key];
    if (value === undefined) throw new Error(`${what} has no ${kind}.${key}`);
    return key === 'cpu' ? parseCpu(value) : parseMemory(value);
  };
  return {
    requests: {
      cpu: need(raw?.requests, 'cpu', 'requests'),
      memory: need(raw?.requests, 'memory', 'requests'),
    },
    limits: { cpu: need(raw?.limits, 'cpu', 'limits'), memory: need(raw?.limits, 'memory', 'limits') },
  };
}

const add = (a: Resources, b: Resources): Resources => ({
  requests: { cpu: a.requests.cpu + b.requests.cpu, memory: a.requests.memory + b.requests.memory },
  limits: { cpu: a.limits.cpu + b.limits.cpu, memory: a.limits.memory + b.limits.memory },
});
const zero: Resources = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };

type PodSpec = { containers: { name: string; resources?: RawResources }[]; initContainers?: unknown[] };
const podResources = (spec: PodSpec, what: string) =>
  spec.containers.map((c) => toResources(c.resources, `${what} container ${c.name}`)).reduce(add, zero);

export type QueueProxySizing = Resources;

/** queue-proxy's requests and limits from the config-deployment document of a sizing file. */
export function queueProxySizing(sizingDocs: K8sObject[]): QueueProxySizing {
  const cm = sizingDocs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'config-deployment');
  const data = (cm?.data ?? {}) as Record<string, string>;
  return toResources(
    {
      requests: { cpu: data['queue-sidecar-cpu-request'], memory: data['queue-sidecar-memory-request'] },
      limits: { cpu: data['queue-sidecar-cpu-limit'], memory: data['queue-sidecar-memory-limit'] },
    },
    'queue-proxy (config-deployment)',
  );
}

/** The replicas a Knative Service can reach without an operator: max-scale for scale-from-zero, else min-scale. */
export function knativeReplicas(annotations: Record<string, string>): number {
  const min = Number(annotations['autoscaling.knative.dev/min-scale'] ?? 0);
  const max = Number(annotations['autoscaling.knative.dev/max-scale'] ?? Number.NaN);
  if (min === 0) {
    if (!Number.isFinite(max) || max < 1)
      throw new Error('a scale-to-zero Service needs a max-scale to be budgeted');
    return max;
  }
  return min;
}

/** One line per workload the overlay deploys. */
export function workloadLines(objects: K8sObject[], queueProxy: QueueProxySizing): Line[] {
  const lines: Line[] = [];
  for (const o of objects) {
    const spec = o.spec as any;
    const what = `${o.kind} ${o.metadata.name}`;
    if (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1') {
      const annotations: Record<string, string> = spec.template.metadata?.annotations ?? {};
      let perReplica = add(podResources(spec.template.spec, what), queueProxy);
      if (annotations['dapr.io/enabled'] === 'true') {
        perReplica = add(
          perReplica,
          toResources(
            {
              requests: {
                cpu: annotations['dapr.io/sidecar-cpu-request'],
                memory: annotations['dapr.io/sidecar-memory-request'],
              },
              limits: {
                cpu: annotations['dapr.io/sidecar-cpu-limit'],
                memory: annotations['dapr.io/sidecar-memory-limit'],
              },
            },
            `${what} Dapr sidecar`,
          ),
        );
      }
      lines.push({
        name: `ksvc/${o.metadata.name} (${annotations['dapr.io/enabled'] === 'true' ? '+daprd, ' : '+'}queue-proxy)`,
        replicas: knativeReplicas(annotations),
        perReplica,
      });
    } else if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      lines.push({
        name: `${o.kind}/${o.metadata.name}`,
        replicas: spec.replicas ?? 1,
        perReplica: podResources(spec.template.spec, what),
      });
    } else if (o.kind === 'Job') {
      lines.push({
        name: `Job/${o.metadata.name}`,
        replicas: spec.parallelism ?? 1,
        perReplica: podResources(spec.template.spec, what),
      });
    }
  }
  return lines;
}

/** Control-plane Deployments from the partial objects in a sizing file (HPAs there pin them to one replica). */
export function sizingLines(sizingDocs: K8sObject[]): Line[] {
  const hpaMax = new Map(
    sizingDocs
      .filter((d) => d.kind === 'HorizontalPodAutoscaler')
      .map((d) => [d.metadata.name, (d.spec as any).maxReplicas as number]),
  );
  return sizingDocs
    .filter((d) => d.kind === 'Deployment')
    .map((d) => ({
      name: `${d.metadata.namespace}/${d.metadata.name}`,
      replicas: hpaMax.get(d.metadata.name) ?? (d.spec as any).replicas ?? 1,
      perReplica: podResources((d.spec as any).template.spec, `${d.metadata.namespace}/${d.metadata.name}`),
    }));
}

/** Dapr control-plane pods from the Helm values (non-HA: one replica each; placement and scheduler must be off). */
export function daprLines(values: any): Line[] {
  if (values.global?.ha?.enabled)
    throw new Error('Dapr HA triples the control plane; budget it before enabling');
  if (values.global?.actors?.enabled !== false)
    throw new Error('Dapr placement is installed but not budgeted');
  if (values.global?.scheduler?.enabled !== false)
    throw new Error('Dapr scheduler is installed but not budgeted');
  return ['dapr_operator', 'dapr_sidecar_injector', 'dapr_sentry'].map((key) => ({
    name: `dapr-system/${key}`,
    replicas: 1,
    perReplica: toResources(values[key]?.resources, `Dapr Helm values ${key}`),
  }));
}

export type Budget = {
  capacity: { cpu: number; memory: number };
  headroom: { cpu: number; memory: number };
  checkCpuLimits: boolean;
  sizing: string[];
  daprValues: string;
  alsoRunning: Line[];
};

/** Reads knative/overlays/<overlay>/budget.yaml. */
export function readBudget(overlay: string): Budget {
  const raw = parse(readRepoFile(`knative/overlays/${overlay}/budget.yaml`));
  return {
    capacity: { cpu: parseCpu(raw.capacity.cpu), memory: parseMemory(raw.capacity.memory) },
    headroom: { cpu: parseCpu(raw.headroom.cpu), memory: parseMemory(raw.headroom.memory) },
    checkCpuLimits: raw.checkCpuLimits !== false,
    sizing: raw.controlPlane.sizing,
    daprValues: raw.controlPlane.daprValues,
    alsoRunning: (raw.alsoRunning ?? []).map((p: any) => {
      const r = p.resources ?? {};
      const q = (v: string | undefined, f: (x: string) => number) => (v === undefined ? 0 : f(v));
      return {
        name: p.name,
        replicas: p.replicas ?? 1,
        perReplica: {
          requests: { cpu: q(r.requests?.cpu, parseCpu), memory: q(r.requests?.memory, parseMemory) },
          limits: { cpu: q(r.limits?.cpu, parseCpu), memory: q(r.limits?.memory, parseMemory) },
        },
      };
    }),
  };
}

/** Every line of a target's footprint: the overlay's workloads, control planes and the distribution's pods. */
export function footprint(overlay: string, objects: K8sObject[]): Line[] {
  const budget = readBudget(overlay);
  const sizingDocs = budget.sizing.flatMap((file) =>
    parseYamlDocuments(readRepoFile(file), file).map((d) => d as K8sObject),
  );
  return [
    ...workloadLines(objects, queueProxySizing(sizingDocs)),
    ...sizingLines(sizingDocs),
    ...daprLines(parse(readRepoFile(budget.daprValues))),
    ...budget.alsoRunning,
  ];
}

export function total(lines: Line[]): Resources {
  return lines
    .map((l) => ({
      requests: {
        cpu: l.perReplica.requests.cpu * l.replicas,
        memory: l.perReplica.requests.memory * l.replicas,
      },
      limits: { cpu: l.perReplica.limits.cpu * l.replicas, memory: l.perReplica.limits.memory * l.replicas },
    }))
    .reduce(add, zero);
}
