import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type Component,
  componentSchema,
  configurationSchema,
  daprSchemaFor,
  metadataValue,
  type Resiliency,
  resiliencySchema,
  type Subscription,
  subscriptionSchema,
} from '../src/dapr-schemas.ts';
import { functionNames, topics } from '../src/functions.ts';
import { isK8sObject, isYaml, listFiles, parseYamlDocuments, readRepoFile } from '../src/repo.ts';

const daprFiles = [
  ...listFiles('dapr', isYaml).filter((f) => !f.endsWith('kustomization.yaml')),
  'knative/components/external-kafka/pubsub-sasl.yaml',
];
const objects = daprFiles.flatMap((file) =>
  parseYamlDocuments(readRepoFile(file), file)
    .filter(isK8sObject)
    .map((object) => ({ file, object })),
);
const ofKind = (kind: string) => objects.filter((o) => o.object.kind === kind);
const components = () => ofKind('Component').map((o) => componentSchema.parse(o.object) as Component);
const subscriptions = () =>
  ofKind('Subscription').map((o) => subscriptionSchema.parse(o.object) as Subscription);
const topicNames = new Set(topics(readRepoFile('knative/base/data/topics.txt')).map((t) => t.name));
const apps = new Set(functionNames());

describe('Dapr resources', () => {
  it.each(daprFiles)('%s passes the Dapr schema of its kind', (file) => {
    const docs = objects.filter((o) => o.file === file);
    expect(docs.length).toBeGreaterThan(0);
    for (const { object } of docs) {
      const schema = daprSchemaFor(object);
      expect(schema, `${file} is not a Dapr resource`).toBeDefined();
      schema!.parse(object);
    }
  });

  it('lists every file under dapr/ in dapr/kustomization.yaml, so the cluster gets what the local stack reads', () => {
    const listed = new Set(
      (parse(readRepoFile('dapr/kustomization.yaml')).resources as string[]).map((r) => `dapr/${r}`),
    );
    expect(daprFiles.filter((f) => f.startsWith('dapr/') && !listed.has(f))).toEqual([]);
  });

  it('has a Kafka pub/sub named by DAPR_PUBSUB_NAME (pubsub) for the cluster and for an external broker', () => {
    const kafka = components().filter((c) => c.spec.type === 'pubsub.kafka');
    expect(kafka.map((c) => c.metadata.name)).toEqual(['pubsub', 'pubsub']);
    const external = kafka.find((c) => c.spec.metadata.some((m) => m.name === 'saslPassword'))!;
    expect(metadataValue(external.spec.metadata, 'authType')).toBe('password');
    expect(metadataValue(external.spec.metadata, 'saslMechanism')).toMatch(/^SHA-(256|512)$/);
    expect(metadataValue(external.spec.metadata, 'disableTls')).not.toBe('true');
  });

  it('points the in-cluster pub/sub at the Redpanda Service the base deploys', () => {
    const inCluster = components().find(
      (c) => c.spec.type === 'pubsub.kafka' && !c.spec.metadata.some((m) => m.name === 'saslPassword'),
    );
    expect(metadataValue(inCluster!.spec.metadata, 'brokers')).toBe('redpanda.nudge.svc.cluster.local:9092');
    expect(readRepoFile('knative/base/data/redpanda.yaml')).toMatch(/name: redpanda\n/);
    expect(readRepoFile('knative/base/kustomization.yaml')).toMatch(/^namespace: nudge$/m);
  });

  it('triggers cron-scan every 30 s through an input cron binding scoped to cron-scan alone', () => {
    const cron = components().filter((c) => c.spec.type === 'bindings.cron');
    expect(cron).toHaveLength(1);
    expect(metadataValue(cron[0]!.spec.metadata, 'schedule')).toBe('@every 30s');
    expect(cron[0]!.scopes).toEqual(['cron-scan']);
  });

  it('declares the Kubernetes secret store', () => {
    expect(components().some((c) => c.spec.type === 'secretstores.kubernetes')).toBe(true);
  });

  it('routes every subscription from a known topic to a function that exists, with a dead-letter topic unless it filters', () => {
    const subs = subscriptions();
    expect(subs.length).toBeGreaterThan(0);
    const pubsubNames = new Set(
      components()
        .filter((c) => c.spec.type.startsWith('pubsub.'))
        .map((c) => c.metadata.name),
    );
    for (const sub of subs) {
      const where = `subscription ${sub.metadata.name}`;
      expect(topicNames.has(sub.spec.topic), `${where}: topic ${sub.spec.topic} is not in topics.txt`).toBe(
        true,
      );
      // A filter (no default route) has none on purpose: Dapr dead-letters what no rule matches
      // when it can, which would put every other event of the topic in the dead-letter topic.
      if (sub.spec.routes.default === undefined) {
        expect(sub.spec.deadLetterTopic, `${where} filters, so it must not dead-letter`).toBeUndefined();
      } else {
        expect(sub.spec.deadLetterTopic, `${where} has no deadLetterTopic`).toBeDefined();
        expect(
          topicNames.has(sub.spec.deadLetterTopic!),
          `${where}: ${sub.spec.deadLetterTopic} is not in topics.txt`,
        ).toBe(true);
      }
      expect(
        pubsubNames.has(sub.spec.pubsubname),
        `${where}: no pub/sub component ${sub.spec.pubsubname}`,
      ).toBe(true);
      for (const app of sub.scopes)
        expect(apps.has(app), `${where}: no function ${app} under functions/`).toBe(true);
    }
  });

  it('subscribes on-task-completed to task-events, on-reminder-due and cron-scan (late-set) to reminders', () => {
    const byApp = new Map(
      subscriptions().flatMap((s) => s.scopes.map((app) => [app, s.spec.topic] as const)),
    );
    expect(byApp.get('on-task-completed')).toBe('task-events');
    expect(byApp.get('on-reminder-due')).toBe('reminders');
    expect(byApp.get('cron-scan')).toBe('reminders');
  });

  it('retries inbound deliveries with capped exponential backoff, and guards publishing with retry and a circuit breaker', () => {
    const [resiliency] = ofKind('Resiliency').map((o) => resiliencySchema.parse(o.object) as Resiliency);
    expect(resiliency).toBeDefined();
    const { policies, targets } = resiliency!.spec;
    const pubsub = targets.components?.pubsub;
    const inbound = policies.retries?.[pubsub?.inbound?.retry ?? ''];
    expect(inbound, 'pubsub inbound retry').toBeDefined();
    expect(inbound!.policy).toBe('exponential');
    expect(inbound!.maxInterval).toBeDefined();
    expect(inbound!.maxRetries ?? -1).toBeGreaterThan(0);
    expect(policies.retries?.[pubsub?.outbound?.retry ?? ''], 'pubsub outbound retry').toBeDefined();
    expect(
      policies.circuitBreakers?.[pubsub?.outbound?.circuitBreaker ?? ''],
      'pubsub outbound circuit breaker',
    ).toBeDefined();
  });

  it('traces through OpenTelemetry or Zipkin and keeps sidecar metrics on', () => {
    const [configuration] = ofKind('Configuration').map((o) => configurationSchema.parse(o.object));
    expect(configuration!.spec.tracing?.otel ?? configuration!.spec.tracing?.zipkin).toBeDefined();
    expect(configuration!.spec.metrics?.enabled).toBe(true);
  });

  it('keeps sidecar mTLS on in the Dapr Helm values (it is control-plane wide, not a Configuration field)', () => {
    const values = parse(readRepoFile('knative/platform/dapr-values.yaml'));
    expect(values.global.mtls.enabled).toBe(true);
  });
});

describe('the Dapr schemas catch broken resources', () => {
  const broken = parseYamlDocuments(
    readRepoFile('packages/manifests/test/fixtures/broken/dapr.yaml'),
    'dapr.yaml',
  ).filter(isK8sObject);
  const byName = (name: string) => broken.find((o) => o.metadata.name === name)!;

  it('rejects a Kafka component with a literal SASL password, the default offset and the 1 KB message limit', () => {
    const result = componentSchema.safeParse(byName('bad-kafka'));
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toMatch(/secretKeyRef/);
    expect(text).toMatch(/initialOffset/);
    expect(text).toMatch(/maxMessageBytes/);
  });

  it('rejects a v2alpha1 subscription that spells deadLetterTopic wrong and has no scopes', () => {
    const result = subscriptionSchema.safeParse(byName('bad-subscription'));
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/deadlettertopic|scopes/);
  });

  it('opts every subscription into bulk subscribe with bounded batches and a short wait', () => {
    for (const sub of subscriptions()) {
      const bulk = sub.spec.bulkSubscribe;
      expect(bulk?.enabled, `subscription ${sub.metadata.name} is not bulk`).toBe(true);
      expect(bulk?.maxMessagesCount).toBeLessThanOrEqual(100);
      // A lone event waits this long for company: keep it well under the lateness budget (0.2 s).
      expect(bulk?.maxAwaitDurationMs).toBeLessThanOrEqual(100);
    }
  });

  it('rejects a bulkSubscribe with a misspelt field or without enabled', () => {
    const sub = structuredClone(subscriptions()[0]!) as unknown as { spec: Record<string, unknown> };
    sub.spec.bulkSubscribe = { enabled: true, maxMessageCount: 10 };
    expect(JSON.stringify(subscriptionSchema.safeParse(sub).error?.issues)).toMatch(/maxMessageCount/);
    sub.spec.bulkSubscribe = { maxMessagesCount: 10 };
    expect(JSON.stringify(subscriptionSchema.safeParse(sub).error?.issues)).toMatch(/enabled/);
  });

  it('rejects a resiliency target naming a policy that does not exist', () => {
    const result = resiliencySchema.safeParse(byName('bad-resiliency'));
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/not a defined retries policy/);
  });

  it('rejects a configuration whose sampling rate is a number', () => {
    expect(configurationSchema.safeParse(byName('bad-configuration')).success).toBe(false);
  });
});
