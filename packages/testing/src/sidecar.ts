import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDaprPublisher,
  createLogger,
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayDeps,
} from '@nudge/core';
import { repoRoot, type Sidecar, startSidecar } from '@nudge/local';
import { type SidecarFront, startSidecarFront } from './sidecar-front.ts';

export interface LocalSidecar extends Sidecar {
  /** CloudEvents the broker holds for a topic (or all), oldest first, up to its recent window. */
  published(topic?: string): Record<string, unknown>[];
}

/**
 * The local stack's Dapr sidecar (packages/local), driven by the repository's dapr/ files, on a
 * free port with its broker in a temp folder that `stop` removes. `apps` maps app ids to URLs
 * for subscriptions and the cron binding; without it, the sidecar only takes publishes.
 */
export async function startLocalSidecar(apps: Map<string, string> = new Map()): Promise<LocalSidecar> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nudge-sidecar-'));
  await chmod(dataDir, 0o755);
  const sidecar = await startSidecar({
    resourcesDir: join(repoRoot, 'dapr'),
    dataDir,
    apps,
    port: 0,
    logger: createLogger('sidecar', process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  return {
    ...sidecar,
    published: (topic) =>
      sidecar.broker
        .recent(topic, 1000)
        .reverse()
        .map((record) => record.event),
    async stop() {
      await sidecar.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestSidecar extends SidecarFront {
  /** The local sidecar behind the front. */
  sidecar: LocalSidecar;
}

/**
 * The local sidecar behind a recording, fault-injecting front. `port` is the front's: give it
 * to the code under test as its Dapr HTTP port.
 */
export async function startTestSidecar(): Promise<TestSidecar> {
  const sidecar = await startLocalSidecar();
  const front = await startSidecarFront(sidecar.port);
  return {
    ...front,
    sidecar,
    async close() {
      await front.close();
      await sidecar.stop();
    },
  };
}

/** An outbox relay publishing through the test sidecar (pub/sub component `pubsub`), as deployed relays do to Dapr. */
export function relayToSidecar(sidecar: TestSidecar, deps: Omit<OutboxRelayDeps, 'publisher'>): OutboxRelay {
  return createOutboxRelay({
    ...deps,
    publisher: createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' }),
  });
}
