import { describe, expect, it } from 'vitest';
import { daprSchemaFor } from '../src/dapr-schemas.ts';
import { functionNames } from '../src/functions.ts';
import { validateKubernetesObject } from '../src/kubernetes-schemas.ts';
import { externalTool, kustomizeBuild } from '../src/kustomize.ts';
import { isK8sObject, type K8sObject, parseYamlDocuments, readRepoFile } from '../src/repo.ts';

const kubectl = externalTool('kubectl', 'https://kubernetes.io/docs/tasks/tools/');
const overlays = ['local', 'oracle', 'oracle-external-kafka'];
const skipNote = kubectl.note;

/** Validates one object with its schema; the error names the object. */
function validateObject(object: K8sObject): void {
  const dapr = daprSchemaFor(object);
  try {
    if (dapr) dapr.parse(object);
    else validateKubernetesObject(object);
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
  }
}

const secretEnv = new Set(['DATABASE_URL', 'SMTP_URL', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL']);
type Container = {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

/** The rules every function's Knative Service must keep, as messages (empty when it does). */
function knativeServiceProblems(ksvc: K8sObject): string[] {
  const problems: string[] = [];
  const template = (ksvc.spec as any).template;
  const a: Record<string, string> = template.metadata?.annotations ?? {};
  const name = ksvc.metadata.name;
  if (a['dapr.io/enabled'] !== 'true') problems.push('Dapr is not enabled on the revision template');
  if (a['dapr.io/app-id'] !== name) problems.push(`dapr.io/app-id is ${a['dapr.io/app-id']}, not ${name}`);
  if (a['dapr.io/app-port'] !== '8080') problems.push('dapr.io/app-port must be "8080"');
  if (!a['dapr.io/config']) problems.push('dapr.io/config is missing');
  if (!a['dapr.io/metrics-port'] || a['dapr.io/metrics-port'] === '9090')
    problems.push('dapr.io/metrics-port must be set off 9090 (queue-proxy owns it)');
  for (const key of ['cpu-request', 'memory-request', 'cpu-limit', 'memory-limit'])
    if (!a[`dapr.io/sidecar-${key}`]) problems.push(`dapr.io/sidecar-${key} is missing`);
  const scale = [a['autoscaling.knative.dev/min-scale'], a['autoscaling.knative.dev/max-scale']];
  if (name === 'task-api' && scale[0] !== '0') problems.push('task-api must scale to zero (min-scale "0")');
  if (name === 'cron-scan' && (scale[0] !== '1' || scale[1] !== '1'))
    problems.push('cron-scan must run exactly one replica (min-scale "1", max-scale "1")');
  if ((name === 'on-task-completed' || name === 'on-reminder-due') && scale[0] !== '1')
    problems.push(`${name} must keep one replica (min-scale "1"): Dapr, not Knative, delivers its events`);
  const containers: Container[] = template.spec.containers;
  if (containers.length !== 1) problems.push('one container per Service (sidecars are injected)');
  if (name === 'task-api') {
    // Live streams end by the server (STREAM_MAX_SECONDS, default 300) before Knative cuts the request.
    const env = containers[0]?.env?.find((e) => e.name === 'STREAM_MAX_SECONDS')?.value;
    const streamSeconds = Number(env ?? 300);
    if (!(template.spec.timeoutSeconds > streamSeconds))
      problems.push(`timeoutSeconds must exceed STREAM_MAX_SECONDS (${streamSeconds})`);
  }
  for (const c of containers) {
    if (c.readinessProbe?.httpGet?.path !== '/readyz') problems.push('readiness probe must GET /readyz');
    if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push('liveness probe must GET /healthz');
    for (const kind of ['requests', 'limits'] as const)
      for (const r of ['cpu', 'memory'])
        if (!c.resources?.[kind]?.[r]) problems.push(`container ${c.name} has no ${kind}.${r}`);
    for (const env of c.env ?? [])
      if (secretEnv.has(env.name) && !env.valueFrom?.secretKeyRef)
        problems.push(`${env.name} must come from a Secret (secretKeyRef), never a literal`);
    for (const required of ['DATABASE_URL', 'LOG_LEVEL', 'DAPR_HTTP_PORT', 'DAPR_PUBSUB_NAME'])
      if (!c.env?.some((e) => e.name === required)) problems.push(`env ${required} is missing`);
  }
  return problems;
}

/** The public URLs each overlay gives the web app and task-api (Knative's <service>.<namespace>.<domain>). */
const publicUrls: Record<string, [web: string, api: string]> = {
  local: ['http://web.nudge.localhost:8081', 'http://task-api.nudge.localhost:8081'],
  oracle: ['https://web.nudge.example.com', 'https://task-api.nudge.example.com'],
  'oracle-external-kafka': ['https://web.nudge.example.com', 'https://task-api.nudge.example.com'],
};

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: unknown; configMapKeyRef?: { name: string; key: string } };
};

/** The value a container of a Knative Service gets for an env variable, reading ConfigMaps as the kubelet does. */
function envOf(objects: K8sObject[], service: string, name: string): string | undefined {
  const ksvc = objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
  const env: EnvVar[] = (ksvc?.spec as any)?.template.spec.containers[0].env ?? [];
  const variable = env.find((e) => e.name === name);
  const ref = variable?.valueFrom?.configMapKeyRef;
  if (!ref) return variable?.value;
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name);
  if (!configMap) throw new Error(`${service} ${name}: no ConfigMap ${ref.name} in the build`);
  return (configMap.data as Record<string, string>)[ref.key];
}

/** The rules the web app's Knative Service must keep, as messages (empty when it does). */
function webServiceProblems(ksvc: K8sObject, objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const template = (ksvc.spec as any).template;
  const a: Record<string, string> = template.metadata?.annotations ?? {};
  if (Object.keys(a).some((key) => key.startsWith('dapr.io/')))
    problems.push('no Dapr on the web app: the browser calls task-api over HTTPS');
  if (a['autoscaling.knative.dev/min-scale'] !== '0') problems.push('web must scale to zero (min-scale "0")');
  if (!a['autoscaling.knative.dev/max-scale']) problems.push('web needs a max-scale (the budget counts it)');
  const containers: Container[] = template.spec.containers;
  if (containers.length !== 1) problems.push('one container');
  const c = containers[0]!;
  if (!/\/web:[\w.-]+$/.test(c.image)) problems.push(`image ${c.image} is not the web image`);
  if (c.readinessProbe?.httpGet?.path !== '/healthz') problems.push('readiness probe must GET /healthz');
  if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push('liveness probe must GET /healthz');
  for (const kind of ['requests', 'limits'] as const)
    for (const r of ['cpu', 'memory'])
      if (!c.resources?.[kind]?.[r]) problems.push(`container ${c.name} has no ${kind}.${r}`);
  for (const name of ['DATABASE_URL', 'AUTH_JWT_SECRET'])
    if (c.env?.some((e) => e.name === name)) problems.push(`the web app must not get ${name}`);
  // One image serves every environment: what /config.json says comes from the ConfigMap.
  for (const name of ['API_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID']) {
    const variable = (c.env as EnvVar[] | undefined)?.find((e) => e.name === name);
    if (!variable?.valueFrom?.configMapKeyRef)
      problems.push(`${name} must come from the nudge-web ConfigMap`);
  }
  const apiUrl = envOf(objects, 'web', 'API_URL');
  if (!apiUrl || !URL.canParse(apiUrl)) problems.push(`API_URL ${apiUrl} is not a URL`);
  return problems;
}

describe.each(overlays)('kustomize overlay %s', (overlay) => {
  const build = () => kustomizeBuild(`knative/overlays/${overlay}`);

  it.skipIf(kubectl.skip)(`builds with kubectl kustomize${skipNote}`, () => {
    expect(build().length).toBeGreaterThan(10);
  });

  it.skipIf(kubectl.skip)(`every object passes its schema (Kubernetes, Knative or Dapr)${skipNote}`, () => {
    for (const object of build()) validateObject(object);
  });

  it.skipIf(kubectl.skip)(
    `deploys one Knative Service per function, each keeping the Dapr and scaling rules${skipNote}`,
    () => {
      const services = build().filter(
        (o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service',
      );
      expect(services.map((s) => s.metadata.name).sort()).toEqual([...functionNames(), 'web'].sort());
      for (const ksvc of services.filter((s) => s.metadata.name !== 'web'))
        expect(knativeServiceProblems(ksvc), ksvc.metadata.name).toEqual([]);
    },
  );

  it.skipIf(kubectl.skip)(`deploys the web app as a scale-to-zero Service without Dapr${skipNote}`, () => {
    const objects = build();
    const web = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'web');
    expect(web, 'ksvc/web').toBeDefined();
    expect(webServiceProblems(web!, objects)).toEqual([]);
  });

  it.skipIf(kubectl.skip)(
    `task-api's CORS_ORIGINS is the web app's origin, and the app's API_URL is task-api's URL${skipNote}`,
    () => {
      const objects = build();
      const [webUrl, apiUrl] = publicUrls[overlay]!;
      expect(envOf(objects, 'task-api', 'CORS_ORIGINS')).toBe(webUrl);
      expect(envOf(objects, 'web', 'API_URL')).toBe(apiUrl);
      // Knative names its URLs <service>.<namespace>.<domain>: the two must differ only there.
      expect(new URL(webUrl).host.replace(/^web\./, 'task-api.')).toBe(new URL(apiUrl).host);
    },
  );

  it.skipIf(kubectl.skip)(`pins every image to a tag set by kustomize images${skipNote}`, () => {
    const images = build().flatMap(
      (o) =>
        JSON.stringify(o)
          .match(/"image":"[^"]+"/g)
          ?.map((m) => m.slice(9, -1)) ?? [],
    );
    expect(images.length).toBeGreaterThan(4);
    for (const image of images) {
      expect(image, image).toMatch(/^[\w.-]+(:\d+)?\/[\w./-]+:[\w.-]+$|^[\w-]+:[\w.-]+$/);
      expect(image, image).not.toMatch(/:latest$/);
      expect(image, `${image} is a base placeholder`).not.toMatch(/^nudge\//);
    }
  });
});

describe('schema and rule checks catch broken manifests', () => {
  const fixture = (file: string) =>
    parseYamlDocuments(readRepoFile(`packages/manifests/test/fixtures/broken/${file}`), file).filter(
      isK8sObject,
    );

  it('rejects a Knative Service whose container port is not a number', () => {
    const [ksvc] = fixture('knative-service.yaml');
    expect(() => validateObject(ksvc!)).toThrow(/containerPort/);
  });

  it('rejects a Knative Service that breaks the Dapr and scaling rules', () => {
    const [, ksvc] = fixture('knative-service.yaml');
    validateObject(ksvc!);
    const problems = knativeServiceProblems(ksvc!).join('\n');
    expect(problems).toMatch(/metrics-port/);
    expect(problems).toMatch(/exactly one replica/);
    expect(problems).toMatch(/DATABASE_URL must come from a Secret/);
    expect(problems).toMatch(/readiness probe/);
  });

  it.skipIf(kubectl.skip)(
    `rejects a web Service with a Dapr sidecar, kept warm, with a literal API_URL${skipNote}`,
    () => {
      const objects = kustomizeBuild('knative/overlays/local');
      const web = structuredClone(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'web')!);
      const template = (web.spec as any).template;
      template.metadata.annotations['dapr.io/enabled'] = 'true';
      template.metadata.annotations['autoscaling.knative.dev/min-scale'] = '1';
      template.spec.containers[0].env = [{ name: 'API_URL', value: 'http://task-api' }];
      const problems = webServiceProblems(web, objects).join('\n');
      expect(problems).toMatch(/no Dapr/);
      expect(problems).toMatch(/scale to zero/);
      expect(problems).toMatch(/API_URL must come from the nudge-web ConfigMap/);
    },
  );

  it('rejects a Deployment with a malformed CPU quantity', () => {
    const [deployment] = fixture('deployment.yaml');
    expect(() => validateObject(deployment!)).toThrow(/cpu/);
  });

  it('rejects a kind that has no schema', () => {
    expect(() =>
      validateObject({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } }),
    ).toThrow(/no schema/);
  });
});

describe('platform configuration applied by the deploy scripts', () => {
  const platform = [
    'knative/platform/oracle/cluster-issuer.yaml',
    'knative/platform/oracle/knative-tls.yaml',
  ];

  it.each(platform)('%s passes its schema', (file) => {
    for (const object of parseYamlDocuments(readRepoFile(file), file).filter(isK8sObject))
      validateObject(object);
  });

  it('issues certificates from Let’s Encrypt over HTTP-01 through Kourier and turns on external-domain TLS', () => {
    const issuer = readRepoFile('knative/platform/oracle/cluster-issuer.yaml');
    expect(issuer).toContain('https://acme-v02.api.letsencrypt.org/directory');
    expect(issuer).toContain('class: kourier.ingress.networking.knative.dev');
    const tls = readRepoFile('knative/platform/oracle/knative-tls.yaml');
    expect(tls).toMatch(/external-domain-tls: Enabled/);
    expect(tls).toMatch(/name: letsencrypt-http01/);
  });

  it('rejects a ClusterIssuer with a misspelt solver field', () => {
    const [issuer] = parseYamlDocuments(
      readRepoFile('packages/manifests/test/fixtures/broken/cluster-issuer.yaml'),
      'cluster-issuer.yaml',
    ).filter(isK8sObject);
    expect(() => validateObject(issuer!)).toThrow(/ingressClass|http01/);
  });
});
