import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp dapr/ folder: one pub/sub, one subscription for `app`, a fast constant retry policy. */
export async function writeDaprFixture(
  options: {
    maxRetries?: number;
    retryDuration?: string;
    schedule?: string | undefined;
    /** Per-attempt delivery timeout (Go duration). */
    timeout?: string | undefined;
    extra?: Record<string, string>;
  } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'nudge-dapr-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'components'));
  await mkdir(join(dir, 'subscriptions'));
  await writeFile(
    join(dir, 'components', 'pubsub.yaml'),
    `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.kafka
  version: v1
  metadata:
    - name: brokers
      value: "localhost:9092"
`,
  );
  await writeFile(
    join(dir, 'subscriptions', 'orders.yaml'),
    `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: orders-sub
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
      - match: event.type == "order.paid"
        path: /paid
      - match: event.type == 'order.shipped'
        path: /shipped
    default: /other
  deadLetterTopic: orders-dlq
scopes:
  - app
`,
  );
  await writeFile(
    join(dir, 'resiliency.yaml'),
    `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: test
spec:
  policies:
    timeouts:
      delivery: ${options.timeout ?? '30s'}
    retries:
      fast:
        policy: constant
        duration: ${options.retryDuration ?? '20ms'}
        maxRetries: ${options.maxRetries ?? 3}
  targets:
    components:
      pubsub:
        inbound:
          retry: fast
          timeout: delivery
`,
  );
  if (options.schedule) {
    await writeFile(
      join(dir, 'components', 'cron.yaml'),
      `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: tick
spec:
  type: bindings.cron
  version: v1
  metadata:
    - name: schedule
      value: "${options.schedule}"
scopes:
  - app
`,
    );
  }
  for (const [name, text] of Object.entries(options.extra ?? {})) await writeFile(join(dir, name), text);
  return dir;
}

export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nudge-local-'));
  await chmod(dir, 0o755);
  return dir;
}
