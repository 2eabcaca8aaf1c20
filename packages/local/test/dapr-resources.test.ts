import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDaprResources } from '../src/sidecar/dapr-resources.ts';
import { repoRoot } from '../src/stack.ts';
import { writeDaprFixture } from './dapr-fixture.ts';

describe("the repository's dapr/ folder", () => {
  it('parses, validates and compiles into what the local stack runs', async () => {
    const resources = await loadDaprResources(join(repoRoot, 'dapr'));
    expect(resources.pubsubs.get('pubsub')).toEqual({ type: 'pubsub.kafka' });

    const byName = new Map(resources.subscriptions.map((plan) => [plan.name, plan]));
    for (const [name, topic, path, event] of [
      ['on-task-completed', 'task-events', '/task-completed', 'task.completed'],
      ['on-reminder-due', 'reminders', '/reminder-due', 'reminder.due'],
    ] as const) {
      const plan = byName.get(name)!;
      expect(plan).toMatchObject({
        pubsub: 'pubsub',
        topic,
        deadLetterTopic: `${topic}-dlq`,
        scopes: [name],
      });
      expect(plan.route({ type: event }), name).toBe(path);
    }
    // An event type of another function on the same topic is not this one's to handle.
    expect(byName.get('on-task-completed')!.route({ type: 'task.created' })).toBe('/unhandled');
    expect(byName.get('on-reminder-due')!.route({ type: 'reminder.scheduled' })).toBe('/unhandled');

    expect(resources.cronBindings).toHaveLength(1);
    const [cron] = resources.cronBindings;
    expect(cron!.name).toBe('scan-schedule');
    expect(cron!.scopes).toEqual(['cron-scan']);
    const start = new Date('2026-11-22T10:00:00Z');
    expect(cron!.schedule.next(start).toISOString()).toBe('2026-11-22T10:00:30.000Z');

    expect(resources.inbound.get('pubsub')).toEqual({
      retry: { policy: 'exponential', durationMs: 500, maxIntervalMs: 60_000, maxRetries: 15 },
      timeoutMs: 30_000,
    });
  });

  it('keeps every subscription scoped; each either dead-letters and routes other types to a default path, or filters', async () => {
    const resources = await loadDaprResources(join(repoRoot, 'dapr'));
    for (const plan of resources.subscriptions) {
      expect(plan.scopes?.length, plan.name).toBeGreaterThan(0);
      if (plan.name === 'cron-scan') {
        // The late-set filter: other types are skipped by the sidecar, never dead-lettered.
        expect(plan.route({ type: 'reminder.due' }), plan.name).toBeUndefined();
        expect(plan.route({ type: 'reminder.scheduled' }), plan.name).toBe('/reminder-scheduled');
        expect(plan.deadLetterTopic, plan.name).toBeUndefined();
        continue;
      }
      expect(plan.deadLetterTopic, plan.name).toMatch(/-dlq$/);
      expect(plan.route({ type: 'anything.else' }), plan.name).toBe('/unhandled');
    }
  });
});

describe('validation', () => {
  async function loadWith(name: string, text: string) {
    const dir = await writeDaprFixture({ extra: { [name]: text } });
    try {
      return await loadDaprResources(dir);
    } finally {
      await rm(dir, { recursive: true });
    }
  }

  it('rejects a routing rule beyond event.type == "…" with a message naming the file and rule', async () => {
    await expect(
      loadWith(
        'subscriptions/extra.yaml',
        `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: fancy }
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
      - match: event.type == "a" && event.source == "b"
        path: /a
`,
      ),
    ).rejects.toThrow(
      /extra\.yaml: routing rule "event\.type == "a" && event\.source == "b"" is not supported/,
    );
  });

  it('names a subscription whose pub/sub does not exist, and a resiliency target naming no policy', async () => {
    const error = await loadWith(
      'more.yaml',
      `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: lost }
spec: { pubsubname: nope, topic: t, routes: { default: /x } }
---
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: broken }
spec:
  policies: { retries: {} }
  targets: { components: { pubsub: { inbound: { retry: missing } } } }
`,
    ).catch((e: Error) => e);
    expect(String(error)).toMatch(/pubsubname "nope" names no pub\/sub component/);
    expect(String(error)).toMatch(/names no retries policy "missing"/);
  });

  it('rejects a subscription without routes and a cron binding without a valid schedule', async () => {
    const error = await loadWith(
      'bad.yaml',
      `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: nowhere }
spec: { pubsubname: pubsub, topic: t, routes: {} }
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: tick }
spec: { type: bindings.cron, version: v1, metadata: [ { name: schedule, value: "@every soon" } ] }
`,
    ).catch((e: Error) => e);
    expect(String(error)).toMatch(/bad\.yaml: spec\.routes: needs rules or a default route/);
    expect(String(error)).toMatch(/component tick: schedule "@every soon"/);
  });

  it('ignores kinds and component types the local stack does not use', async () => {
    const resources = await loadWith(
      'configuration.yaml',
      `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: tracing }
spec: { tracing: { samplingRate: "1" } }
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: secrets }
spec: { type: secretstores.kubernetes, version: v1 }
`,
    );
    expect([...resources.pubsubs.keys()]).toEqual(['pubsub']);
  });

  it('reads the default route from a rule without match, as Dapr allows', async () => {
    const resources = await loadWith(
      'subscriptions/orders.yaml',
      `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: orders-sub }
spec:
  pubsubname: pubsub
  topic: orders
  routes: { rules: [ { match: 'event.type == "a"', path: /a }, { path: /rest } ] }
`,
    );
    expect(resources.subscriptions[0]!.route({ type: 'b' })).toBe('/rest');
    expect(resources.subscriptions[0]!.scopes).toBeUndefined();
  });
});
