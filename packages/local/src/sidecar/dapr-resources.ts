import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { parseGoDuration } from './duration.ts';
import { compileRoutes, type RouteMatcher } from './route-match.ts';
import { parseSchedule, type Schedule } from './schedule.ts';

const goDuration = z
  .string()
  .refine((text) => parseGoDuration(text) !== undefined, 'must be a Go duration like 5s');

const metadataItem = z.object({
  name: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional(),
});

/** https://docs.dapr.io/reference/resource-specs/component-schema/ */
export const componentSchema = z.object({
  apiVersion: z.literal('dapr.io/v1alpha1'),
  kind: z.literal('Component'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z.object({
    type: z.string().regex(/^[a-z]+\.[a-z0-9.-]+$/, 'must look like pubsub.kafka or bindings.cron'),
    version: z.string(),
    metadata: z.array(metadataItem).default([]),
    initTimeout: goDuration.optional(),
    ignoreErrors: z.boolean().optional(),
  }),
  auth: z.object({ secretStore: z.string() }).optional(),
  scopes: z.array(z.string().min(1)).optional(),
});

/** https://docs.dapr.io/reference/resource-specs/subscription-schema/ (v2alpha1) */
export const subscriptionSchema = z.object({
  apiVersion: z.literal('dapr.io/v2alpha1'),
  kind: z.literal('Subscription'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z.object({
    pubsubname: z.string().min(1),
    topic: z.string().min(1),
    routes: z
      .object({
        rules: z
          .array(z.object({ match: z.string().optional(), path: z.string().startsWith('/') }))
          .default([]),
        default: z.string().startsWith('/').optional(),
      })
      .refine((routes) => routes.rules.length > 0 || routes.default, 'needs rules or a default route'),
    deadLetterTopic: z.string().min(1).optional(),
    bulkSubscribe: z
      .object({
        enabled: z.boolean(),
        maxMessagesCount: z.number().int().positive().optional(),
        maxAwaitDurationMs: z.number().int().positive().optional(),
      })
      .optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  }),
  scopes: z.array(z.string().min(1)).optional(),
});

const retryPolicy = z.object({
  policy: z.enum(['constant', 'exponential']).default('constant'),
  duration: goDuration.optional(),
  maxInterval: goDuration.optional(),
  maxRetries: z.number().int().min(-1).optional(),
  matching: z
    .object({ httpStatusCodes: z.string().optional(), gRPCStatusCodes: z.string().optional() })
    .optional(),
});

const targetPolicies = z.object({
  timeout: z.string().optional(),
  retry: z.string().optional(),
  circuitBreaker: z.string().optional(),
});

/** https://docs.dapr.io/reference/resource-specs/resiliency-schema/ */
export const resiliencySchema = z
  .object({
    apiVersion: z.literal('dapr.io/v1alpha1'),
    kind: z.literal('Resiliency'),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }),
    scopes: z.array(z.string()).optional(),
    spec: z.object({
      policies: z.object({
        timeouts: z.record(z.string(), goDuration).default({}),
        retries: z.record(z.string(), retryPolicy).default({}),
        circuitBreakers: z
          .record(
            z.string(),
            z.object({
              maxRequests: z.number().int().min(0).optional(),
              interval: goDuration.optional(),
              timeout: goDuration.optional(),
              trip: z
                .string()
                .regex(/^consecutiveFailures\s*(>=|>|==)\s*\d+$/, 'must be like consecutiveFailures >= 5'),
            }),
          )
          .default({}),
      }),
      targets: z.object({
        apps: z.record(z.string(), targetPolicies).optional(),
        actors: z.record(z.string(), z.any()).optional(),
        components: z
          .record(
            z.string(),
            z.object({ inbound: targetPolicies.optional(), outbound: targetPolicies.optional() }),
          )
          .optional(),
      }),
    }),
  })
  .superRefine((resiliency, ctx) => {
    const { policies, targets } = resiliency.spec;
    const check = (
      kind: 'timeouts' | 'retries' | 'circuitBreakers',
      name: string | undefined,
      path: string[],
    ) => {
      if (name !== undefined && !(name in policies[kind])) {
        ctx.addIssue({ code: 'custom', path, message: `names no ${kind} policy "${name}"` });
      }
    };
    for (const [component, directions] of Object.entries(targets.components ?? {})) {
      for (const direction of ['inbound', 'outbound'] as const) {
        const target = directions[direction];
        const path = ['spec', 'targets', 'components', component, direction];
        check('timeouts', target?.timeout, [...path, 'timeout']);
        check('retries', target?.retry, [...path, 'retry']);
        check('circuitBreakers', target?.circuitBreaker, [...path, 'circuitBreaker']);
      }
    }
  });

export type ComponentResource = z.output<typeof componentSchema>;
export type SubscriptionResource = z.output<typeof subscriptionSchema>;
export type ResiliencyResource = z.output<typeof resiliencySchema>;

/** A delivery retry policy in milliseconds, as Dapr applies it (see retry-policy.ts). */
export interface RetrySettings {
  policy: 'constant' | 'exponential';
  durationMs: number;
  maxIntervalMs: number;
  /** -1 = forever (Dapr's default when a policy omits it). */
  maxRetries: number;
}

export interface InboundPolicy {
  /** Undefined: a single attempt, like Dapr without a resiliency policy. */
  retry?: RetrySettings | undefined;
  timeoutMs?: number | undefined;
}

export interface SubscriptionPlan {
  name: string;
  pubsub: string;
  topic: string;
  route: RouteMatcher;
  deadLetterTopic?: string | undefined;
  /** App ids that receive this subscription; undefined = every app (Dapr's meaning of no scopes). */
  scopes?: string[] | undefined;
  /** Set when the Subscription opts into bulk subscribe (`spec.bulkSubscribe.enabled`). */
  bulk?: BulkSettings | undefined;
}

/** How a bulk subscription batches events for the app. */
export interface BulkSettings {
  /** Most events in one bulk delivery. */
  maxMessagesCount: number;
  /** Longest an event waits for its batch to fill before the batch goes anyway. */
  maxAwaitDurationMs: number;
}

/** Dapr's defaults for components without native bulk subscribe (docs: pubsub-bulk). */
const bulkDefaults: BulkSettings = { maxMessagesCount: 100, maxAwaitDurationMs: 1_000 };

export interface InputBindingPlan {
  name: string;
  schedule: Schedule;
  scopes?: string[] | undefined;
}

/** What the local sidecar knows, all of it read from the dapr/ folder. */
export interface DaprResources {
  pubsubs: Map<string, { type: string }>;
  subscriptions: SubscriptionPlan[];
  cronBindings: InputBindingPlan[];
  /** Inbound delivery policy per pub/sub component name. */
  inbound: Map<string, InboundPolicy>;
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

function metadataValue(component: ComponentResource, name: string): string | undefined {
  const item = component.spec.metadata.find((entry) => entry.name === name);
  return item?.value === undefined ? undefined : String(item.value);
}

function retrySettings(policy: z.output<typeof retryPolicy>): RetrySettings {
  // Dapr's defaults: constant 5s; exponential starts at 500ms and grows to maxInterval (60s).
  return {
    policy: policy.policy,
    durationMs: parseGoDuration(policy.duration ?? (policy.policy === 'constant' ? '5s' : '500ms'))!,
    maxIntervalMs: parseGoDuration(policy.maxInterval ?? '60s')!,
    maxRetries: policy.maxRetries ?? -1,
  };
}

/**
 * Reads every YAML document under `dir` (components, subscriptions, resiliency, and kinds the
 * local stack does not use, such as Configuration), validates the ones it uses, and compiles them.
 * Throws one error naming every bad file and field.
 */
export async function loadDaprResources(dir: string): Promise<DaprResources> {
  const problems: string[] = [];
  const components: ComponentResource[] = [];
  const subscriptions: { file: string; resource: SubscriptionResource }[] = [];
  const resiliencies: ResiliencyResource[] = [];

  for (const path of await yamlFiles(dir)) {
    const file = relative(dir, path);
    for (const document of parseAllDocuments(await readFile(path, 'utf8'))) {
      if (document.errors.length > 0) {
        problems.push(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
        continue;
      }
      const value = document.toJS() as { kind?: unknown } | null;
      if (value === null) continue;
      const schema =
        value.kind === 'Component'
          ? componentSchema
          : value.kind === 'Subscription'
            ? subscriptionSchema
            : value.kind === 'Resiliency'
              ? resiliencySchema
              : undefined;
      if (!schema) continue;
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        problems.push(`${file}: ${describe(parsed.error)}`);
      } else if (parsed.data.kind === 'Component') {
        components.push(parsed.data);
      } else if (parsed.data.kind === 'Subscription') {
        subscriptions.push({ file, resource: parsed.data });
      } else {
        resiliencies.push(parsed.data as ResiliencyResource);
      }
    }
  }

  const pubsubs = new Map<string, { type: string }>();
  const cronBindings: InputBindingPlan[] = [];
  for (const component of components) {
    const { name } = component.metadata;
    if (component.spec.type.startsWith('pubsub.')) {
      // Variants of one component (e.g. a SASL flavour for another cluster) may share a name.
      pubsubs.set(name, { type: component.spec.type });
    } else if (component.spec.type === 'bindings.cron') {
      const schedule = metadataValue(component, 'schedule');
      if (!schedule) {
        problems.push(`component ${name}: bindings.cron needs a schedule`);
        continue;
      }
      try {
        cronBindings.push({ name, schedule: parseSchedule(schedule), scopes: component.scopes });
      } catch (error) {
        problems.push(`component ${name}: ${(error as Error).message}`);
      }
    }
  }

  const plans: SubscriptionPlan[] = [];
  for (const { file, resource } of subscriptions) {
    const { spec } = resource;
    if (!pubsubs.has(spec.pubsubname)) {
      problems.push(`${file}: pubsubname "${spec.pubsubname}" names no pub/sub component`);
    }
    try {
      plans.push({
        name: resource.metadata.name,
        pubsub: spec.pubsubname,
        topic: spec.topic,
        route: compileRoutes(spec.routes, file),
        deadLetterTopic: spec.deadLetterTopic,
        scopes: resource.scopes,
        bulk: spec.bulkSubscribe?.enabled
          ? {
              maxMessagesCount: spec.bulkSubscribe.maxMessagesCount ?? bulkDefaults.maxMessagesCount,
              maxAwaitDurationMs: spec.bulkSubscribe.maxAwaitDurationMs ?? bulkDefaults.maxAwaitDurationMs,
            }
          : undefined,
      });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  const inbound = new Map<string, InboundPolicy>();
  for (const resiliency of resiliencies) {
    const { policies, targets } = resiliency.spec;
    for (const [component, directions] of Object.entries(targets.components ?? {})) {
      const target = directions.inbound;
      if (!target) continue;
      const retry = target.retry ? policies.retries[target.retry] : undefined;
      const timeout = target.timeout ? policies.timeouts[target.timeout] : undefined;
      inbound.set(component, {
        retry: retry ? retrySettings(retry) : undefined,
        timeoutMs: timeout ? parseGoDuration(timeout) : undefined,
      });
    }
  }

  if (problems.length > 0) {
    throw new Error(`Invalid Dapr resources in ${dir}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { pubsubs, subscriptions: plans, cronBindings, inbound };
}
