// zod schemas for the Dapr resources Nudge uses, written field by field from Dapr's reference
// (docs.dapr.io: component-schema, setup-apache-kafka, cron binding, subscription-schema
// v2alpha1, resiliency-schema + policies, configuration-schema). `.strict()` everywhere, so a
// misspelt field fails instead of being silently ignored by the sidecar.
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'must be a Go duration like 5s or 1m30s');
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 name');
const objectMeta = z
  .object({
    name,
    namespace: name.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const secretKeyRef = z.object({ name: z.string().min(1), key: z.string().min(1) }).strict();
const metadataItem = z.union([
  z.object({ name: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
  z.object({ name: z.string().min(1), secretKeyRef }).strict(),
]);
export type MetadataItem = z.infer<typeof metadataItem>;

export const componentSchema = z
  .object({
    apiVersion: z.literal('dapr.io/v1alpha1'),
    kind: z.literal('Component'),
    metadata: objectMeta,
    spec: z
      .object({
        type: z
          .string()
          .regex(/^(pubsub|bindings|secretstores|state|configuration|lock|middleware)\.[\w.-]+$/),
        version: z.string().regex(/^v\d+$/),
        ignoreErrors: z.boolean().optional(),
        initTimeout: duration.optional(),
        metadata: z.array(metadataItem).default([]),
      })
      .strict(),
    auth: z
      .object({ secretStore: z.string().min(1) })
      .strict()
      .optional(),
    scopes: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .superRefine((component, ctx) => {
    const issues = componentTypeIssues(component.spec.type, component.spec.metadata);
    for (const message of issues) ctx.addIssue({ code: 'custom', message, path: ['spec', 'metadata'] });
  });
export type Component = z.infer<typeof componentSchema>;

/** The metadata item's plain value as a string, or undefined when absent or a secret reference. */
export function metadataValue(items: MetadataItem[], key: string): string | undefined {
  const item = items.find((i) => i.name === key);
  return item && 'value' in item ? String(item.value) : undefined;
}

const clusterLocal = (brokers: string) =>
  brokers
    .split(',')
    .every(
      (b) =>
        /^[\w.-]+(\.svc(\.cluster\.local)?)?:\d+$/.test(b.trim()) && !/\.(com|io|net|cloud)(:|$)/.test(b),
    );

/** Per-type rules from the component reference pages, plus the ones Nudge relies on. */
function componentTypeIssues(type: string, items: MetadataItem[]): string[] {
  const issues: string[] = [];
  const has = (key: string) => items.some((i) => i.name === key);
  const value = (key: string) => metadataValue(items, key);
  const isSecret = (key: string) => items.some((i) => i.name === key && 'secretKeyRef' in i);
  if (type === 'pubsub.kafka') {
    if (!has('brokers')) issues.push('pubsub.kafka needs brokers');
    const authType = value('authType');
    if (authType === undefined && !has('authRequired')) issues.push('pubsub.kafka needs authType');
    if (authType && !['none', 'password', 'mtls', 'oidc', 'awsiam', 'certificate'].includes(authType))
      issues.push(`authType ${authType} is not one of none, password, mtls, oidc, awsiam, certificate`);
    if (authType === 'password') {
      if (!has('saslUsername')) issues.push('authType password needs saslUsername');
      if (!isSecret('saslPassword'))
        issues.push('saslPassword must come from a secretKeyRef, never a literal');
      const mechanism = value('saslMechanism');
      if (mechanism && !['SHA-256', 'SHA-512', 'PLAINTEXT'].includes(mechanism))
        issues.push(`saslMechanism ${mechanism} is not SHA-256, SHA-512 or PLAINTEXT`);
      if (value('disableTls') === 'true') issues.push('SASL passwords must not travel without TLS');
    }
    const offset = value('initialOffset');
    if (offset !== 'oldest')
      issues.push('initialOffset must be "oldest" so a new consumer group misses nothing');
    const maxBytes = Number(value('maxMessageBytes') ?? 1024);
    if (!(maxBytes > 1024)) issues.push('maxMessageBytes must be raised above its 1024-byte default');
    const brokers = value('brokers');
    if (value('disableTls') === 'true' && brokers !== undefined && !clusterLocal(brokers))
      issues.push(`disableTls is only acceptable for an in-cluster broker, not ${brokers}`);
    const group = value('consumerGroup');
    if (group !== undefined && !group.includes('{appID}'))
      issues.push(
        'a fixed consumerGroup would make every app share one group; leave it unset or use {appID}',
      );
  }
  if (type === 'bindings.cron') {
    const schedule = value('schedule');
    if (!schedule) issues.push('bindings.cron needs schedule');
    else if (
      !/^(@every \d+[smh]|@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4,5}\S+)$/.test(
        schedule,
      )
    )
      issues.push(`schedule ${schedule} is neither a cron expression nor an @-shortcut`);
    const direction = value('direction');
    if (direction !== undefined && direction !== 'input')
      issues.push('the cron binding only triggers: direction must be input');
  }
  return issues;
}

const routeRule = z
  .object({ match: z.string().min(1).optional(), path: z.string().startsWith('/') })
  .strict();
export const subscriptionSchema = z
  .object({
    apiVersion: z.literal('dapr.io/v2alpha1'),
    kind: z.literal('Subscription'),
    metadata: objectMeta,
    spec: z
      .object({
        topic: z.string().min(1),
        routes: z
          .object({ rules: z.array(routeRule).optional(), default: z.string().startsWith('/').optional() })
          .strict()
          .refine(
            (r) => (r.rules?.length ?? 0) > 0 || r.default !== undefined,
            'routes need rules or a default',
          ),
        pubsubname: z.string().min(1),
        deadLetterTopic: z.string().min(1).optional(),
        bulkSubscribe: z
          .object({
            enabled: z.boolean(),
            maxMessagesCount: z.number().int().positive().optional(),
            maxAwaitDurationMs: z.number().int().positive().optional(),
          })
          .strict()
          .optional(),
        metadata: z.record(z.string(), z.string()).optional(),
      })
      .strict(),
    scopes: z.array(z.string().min(1)).min(1, 'scope every subscription to the app that handles it'),
  })
  .strict();
export type Subscription = z.infer<typeof subscriptionSchema>;

const statusCodes = z.string().regex(/^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/);
const retryPolicy = z
  .object({
    policy: z.enum(['constant', 'exponential']).default('constant'),
    duration: duration.optional(),
    maxInterval: duration.optional(),
    maxRetries: z.number().int().min(-1).optional(),
    matching: z
      .object({ httpStatusCodes: statusCodes.optional(), gRPCStatusCodes: statusCodes.optional() })
      .strict()
      .optional(),
  })
  .strict();
const circuitBreakerPolicy = z
  .object({
    maxRequests: z.number().int().positive().optional(),
    interval: duration.optional(),
    timeout: duration.optional(),
    trip: z.string().min(1).optional(),
  })
  .strict();
const targetPolicy = z
  .object({
    timeout: z.string().optional(),
    retry: z.string().optional(),
    circuitBreaker: z.string().optional(),
  })
  .strict();

export const resiliencySchema = z
  .object({
    apiVersion: z.literal('dapr.io/v1alpha1'),
    kind: z.literal('Resiliency'),
    metadata: objectMeta,
    scopes: z.array(z.string()).optional(),
    spec: z
      .object({
        policies: z
          .object({
            timeouts: z.record(z.string(), duration).optional(),
            retries: z.record(z.string(), retryPolicy).optional(),
            circuitBreakers: z.record(z.string(), circuitBreakerPolicy).optional(),
          })
          .strict(),
        targets: z
          .object({
            apps: z.record(z.string(), targetPolicy).optional(),
            actors: z
              .record(
                z.string(),
                targetPolicy.extend({ circuitBreakerCacheSize: z.number().int().optional() }),
              )
              .optional(),
            components: z
              .record(
                z.string(),
                z.object({ outbound: targetPolicy.optional(), inbound: targetPolicy.optional() }).strict(),
              )
              .optional(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict()
  .superRefine((resiliency, ctx) => {
    const { policies, targets } = resiliency.spec;
    const check = (
      kind: 'timeouts' | 'retries' | 'circuitBreakers',
      ref: string | undefined,
      path: string[],
    ) => {
      if (ref !== undefined && !(ref in (policies[kind] ?? {})))
        ctx.addIssue({ code: 'custom', message: `${ref} is not a defined ${kind} policy`, path });
    };
    const all: [string, z.infer<typeof targetPolicy>][] = [
      ...Object.entries(targets.apps ?? {}),
      ...Object.entries(targets.actors ?? {}),
      ...Object.entries(targets.components ?? {}).flatMap(([n, c]) => [
        [`${n}.outbound`, c.outbound ?? {}] as [string, z.infer<typeof targetPolicy>],
        [`${n}.inbound`, c.inbound ?? {}] as [string, z.infer<typeof targetPolicy>],
      ]),
    ];
    for (const [target, p] of all) {
      check('timeouts', p.timeout, ['spec', 'targets', target]);
      check('retries', p.retry, ['spec', 'targets', target]);
      check('circuitBreakers', p.circuitBreaker, ['spec', 'targets', target]);
    }
  });
export type Resiliency = z.infer<typeof resiliencySchema>;

export const configurationSchema = z
  .object({
    apiVersion: z.literal('dapr.io/v1alpha1'),
    kind: z.literal('Configuration'),
    metadata: objectMeta,
    spec: z
      .object({
        tracing: z
          .object({
            samplingRate: z
              .string()
              .refine((s) => Number(s) >= 0 && Number(s) <= 1, 'samplingRate is a string between 0 and 1'),
            stdout: z.boolean().optional(),
            otel: z
              .object({
                endpointAddress: z.string().min(1),
                isSecure: z.boolean(),
                protocol: z.enum(['http', 'grpc']),
              })
              .strict()
              .optional(),
            zipkin: z.object({ endpointAddress: z.url() }).strict().optional(),
          })
          .strict()
          .optional(),
        metrics: z
          .object({
            enabled: z.boolean(),
            rules: z.array(z.unknown()).optional(),
            recordErrorCodes: z.boolean().optional(),
            latencyDistributionBuckets: z.array(z.number().positive()).optional(),
            http: z
              .object({
                increasedCardinality: z.boolean().optional(),
                pathMatching: z.array(z.string()).optional(),
                excludeVerbs: z.boolean().optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        mtls: z
          .object({
            enabled: z.boolean(),
            workloadCertTTL: duration.optional(),
            allowedClockSkew: duration.optional(),
          })
          .strict()
          .optional(),
        api: z.unknown().optional(),
        httpPipeline: z.unknown().optional(),
        appHttpPipeline: z.unknown().optional(),
        nameResolution: z.unknown().optional(),
        secrets: z.unknown().optional(),
        components: z.unknown().optional(),
        accessControl: z.unknown().optional(),
        features: z.array(z.object({ name: z.string(), enabled: z.boolean() }).strict()).optional(),
        logging: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();

/** The schema for a Dapr kind, or undefined for anything that is not a Dapr resource. */
export function daprSchemaFor(object: { apiVersion: string; kind: string }) {
  if (!object.apiVersion.startsWith('dapr.io/')) return undefined;
  switch (object.kind) {
    case 'Component':
      return componentSchema;
    case 'Subscription':
      return subscriptionSchema;
    case 'Resiliency':
      return resiliencySchema;
    case 'Configuration':
      return configurationSchema;
    default:
      return z.never({ error: `unknown Dapr kind ${object.kind}` });
  }
}
