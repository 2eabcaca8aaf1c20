import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { externalTool, kustomizeBuild } from '../src/kustomize.ts';
import { type K8sObject, parseYamlDocuments, readRepoFile, repoRoot } from '../src/repo.ts';

const overlays = ['local', 'oracle', 'oracle-external-kafka'];
const kubectl = externalTool('kubectl', 'https://kubernetes.io/docs/tasks/tools/');

/** Runs bash with scripts/lib.sh sourced, as the deploy scripts do, and returns its stdout. */
const withLib = (script: string) =>
  execFileSync('bash', ['-c', `. scripts/lib.sh; ${script}`], { cwd: repoRoot, encoding: 'utf8' });

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: what `kubectl patch --type merge` does to a custom resource. */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

/**
 * The patch client-side `kubectl apply` sends for a custom resource (apimachinery's
 * CreateThreeWayJSONMergePatch): fields the new manifest sets differently from the live object,
 * plus deletions of fields the last applied manifest had and the new one drops. A field that
 * neither manifest names (a traffic block patched in by hand) is left alone.
 */
function threeWayPatch(lastApplied: Json, manifest: Json, live: Json): Json {
  const patch: Record<string, Json> = {};
  if (!isObject(manifest)) return manifest;
  for (const [key, value] of Object.entries(manifest)) {
    const current = isObject(live) ? live[key] : undefined;
    const before = isObject(lastApplied) ? lastApplied[key] : undefined;
    if (JSON.stringify(current) === JSON.stringify(value)) continue;
    patch[key] = isObject(value) && isObject(current) ? threeWayPatch(before ?? null, value, current) : value;
  }
  if (isObject(lastApplied))
    for (const key of Object.keys(lastApplied)) if (!(key in manifest)) patch[key] = null;
  return patch;
}

const kubectlApply = (lastApplied: Json, manifest: Json, live: Json) =>
  mergePatch(live, threeWayPatch(lastApplied, manifest, live));
const traffic = (ksvc: Json) => ((ksvc as any).spec as { traffic?: unknown }).traffic;
const toLatest = [{ latestRevision: true, percent: 100 }];

describe('deploy scripts', () => {
  it('deploy-oracle restarts the Knative controller after enabling external-domain TLS, before the release', () => {
    const lines = readRepoFile('scripts/deploy-oracle.sh').split('\n');
    const tls = lines.findIndex((l) => l.includes('knative-tls.yaml'));
    const restart = lines.findIndex((l) =>
      /kubectl rollout restart deploy(ment)?\/controller -n knative-serving/.test(l),
    );
    const release = lines.findIndex((l) => l.includes('scripts/release.sh'));
    expect(tls).toBeGreaterThan(0);
    expect(restart).toBeGreaterThan(tls);
    expect(release).toBeGreaterThan(restart);
  });

  it.skipIf(kubectl.skip)(
    'release → rollback → release sends 100% of traffic to the new revision again',
    () => {
      kubectl.require();
      const rendered = kustomizeBuild('knative/overlays/oracle').filter(
        (o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev/'),
      ) as Json[];
      expect(rendered).toHaveLength(5);
      const pin = JSON.parse(withLib('traffic_patch task-api-00001')) as Json;
      const forward = JSON.parse(withLib('traffic_patch')) as Json;
      for (const manifest of rendered) {
        // First release: a fresh object, the manifest is both live and last applied.
        let live = manifest;
        // The smoke test failed: rollback.sh restore pins the recorded revision.
        live = mergePatch(live, pin);
        expect(traffic(live)).toEqual([{ revisionName: 'task-api-00001', percent: 100 }]);
        // The next release applies the same manifests with new images...
        live = kubectlApply(manifest, manifest, live);
        expect(traffic(live)).toEqual(toLatest);
        // ...and routes forward explicitly as well (what release.sh runs after deploy_overlay).
        expect(traffic(mergePatch(live, forward))).toEqual(toLatest);
      }
      const release = readRepoFile('scripts/release.sh');
      expect(release.indexOf('rollback.sh" forward')).toBeGreaterThan(release.indexOf('deploy_overlay'));
    },
  );

  it.skipIf(kubectl.skip)(
    'deploy_overlay deletes every Job an overlay renders before applying (pod templates are immutable)',
    () => {
      const deleted = [...withLib('declare -p jobs').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      for (const overlay of overlays) {
        const jobs = kustomizeBuild(`knative/overlays/${overlay}`).filter((o) => o.kind === 'Job');
        for (const job of jobs)
          expect(deleted, `${overlay}: Job ${job.metadata.name}`).toContain(job.metadata.name);
      }
      expect(readRepoFile('scripts/lib.sh')).toMatch(
        /for job in "\$\{jobs\[@\]\}"; do\n\s+kubectl delete job "\$job"/,
      );
    },
  );

  it.skipIf(kubectl.skip)(
    'the external Kafka component keeps every in-cluster pubsub setting and a clientID Dapr expands once',
    () => {
      type Meta = { name: string; value?: string };
      const base = (parse(readRepoFile('dapr/components/pubsub.yaml')).spec.metadata as Meta[]).map(
        (m) => m.name,
      );
      const pubsub = kustomizeBuild('knative/overlays/oracle-external-kafka').find(
        (o) => o.kind === 'Component' && o.metadata.name === 'pubsub',
      ) as K8sObject;
      const metadata = (pubsub.spec as { metadata: Meta[] }).metadata;
      expect(metadata.map((m) => m.name)).toEqual(expect.arrayContaining(base));
      for (const m of metadata) {
        // Dapr replaces {namespace} with "<namespace>.<appID>": adding {appID} repeats the app id.
        expect(m.value ?? '', m.name).not.toMatch(/\{namespace\}.*\{appID\}/);
      }
    },
  );

  it.skipIf(kubectl.skip)(
    'pinned_overlay pins every image, the web app included, and writes the real URLs and OIDC settings',
    () => {
      const dir = withLib(
        'OIDC_ISSUER=https://id.real.dev/realms/nudge OIDC_CLIENT_ID=nudge-web pinned_overlay oracle ' +
          'ghcr.io/nudge-app/nudge ghcr.io/me/nudge abc123 https://web.nudge.real.dev https://task-api.nudge.real.dev',
      ).trim();
      try {
        const objects = kustomizeBuild(dir.slice(repoRoot.length + 1));
        const services = objects.filter(
          (o) => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1',
        );
        const images = services.map((o) => (o.spec as any).template.spec.containers[0].image).sort();
        expect(images).toEqual(
          ['cron-scan', 'on-reminder-due', 'on-task-completed', 'task-api', 'web'].map(
            (name) => `ghcr.io/me/nudge/${name}:abc123`,
          ),
        );
        const config = objects.filter(
          (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nudge-web'),
        );
        expect(config).toHaveLength(1);
        expect(config[0]!.data).toEqual({
          origin: 'https://web.nudge.real.dev',
          'api-url': 'https://task-api.nudge.real.dev',
          'oidc-issuer': 'https://id.real.dev/realms/nudge',
          'oidc-client-id': 'nudge-web',
        });
        // Both Services read the hashed name, so a changed URL rolls new revisions.
        for (const name of ['task-api', 'web'])
          expect(JSON.stringify(services.find((o) => o.metadata.name === name))).toContain(
            `"name":"${config[0]!.metadata.name}"`,
          );
        for (const script of ['scripts/release.sh', 'scripts/deploy-local.sh'])
          expect(readRepoFile(script), script).toMatch(/pinned_overlay .*"\$web_url" "\$(api_)?url"/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('both deploy paths run the web smoke test after the API one', () => {
    for (const script of ['scripts/release.sh', 'scripts/deploy-local.sh']) {
      const text = readRepoFile(script);
      expect(text, script).toMatch(/scripts\/smoke-web\.sh" "\$web_url"/);
      expect(text.indexOf('smoke-web.sh'), script).toBeGreaterThan(text.indexOf('smoke-test.sh"'));
    }
  });

  it('pins every upstream autoscaled control-plane Deployment to one replica, with or without metrics-server', () => {
    const docs = parseYamlDocuments(
      readRepoFile('knative/platform/control-plane-sizing.yaml'),
      'sizing',
    ) as K8sObject[];
    const find = (kind: string, ns: string, name: string) =>
      docs.find((d) => d.kind === kind && d.metadata.namespace === ns && d.metadata.name === name);
    // The HPAs serving-core.yaml and kourier.yaml ship.
    for (const [ns, name] of [
      ['knative-serving', 'activator'],
      ['knative-serving', 'webhook'],
      ['kourier-system', '3scale-kourier-gateway'],
    ] as const) {
      expect((find('HorizontalPodAutoscaler', ns, name)?.spec as any)?.maxReplicas, `HPA ${name}`).toBe(1);
      expect((find('Deployment', ns, name)?.spec as any)?.replicas, `Deployment ${name}`).toBe(1);
    }
  });

  it("cloud-init opens k3s's pod and service CIDRs above Oracle's REJECT rules, before k3s starts", () => {
    const runcmd = parse(readRepoFile('infra/oracle/cloud-init.yaml')).runcmd as string[];
    const k3s = runcmd.findIndex((c) => c.includes('get.k3s.io'));
    const save = runcmd.findIndex((c) => c.startsWith('netfilter-persistent save'));
    for (const rule of [
      'INPUT -s 10.42.0.0/16',
      'INPUT -s 10.43.0.0/16',
      'FORWARD -s 10.42.0.0/16',
      'FORWARD -d 10.42.0.0/16',
      'FORWARD -s 10.43.0.0/16',
      'FORWARD -d 10.43.0.0/16',
    ]) {
      const at = runcmd.indexOf(`iptables -I ${rule} -j ACCEPT`);
      expect(at, rule).toBeGreaterThanOrEqual(0);
      expect(at, rule).toBeLessThan(save);
    }
    expect(save).toBeLessThan(k3s);
  });
});
