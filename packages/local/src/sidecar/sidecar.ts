import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@nudge/core';
import { Broker } from './broker.ts';
import { startCronBindings } from './cron.ts';
import { loadDaprResources } from './dapr-resources.ts';
import { createSidecarServer } from './server.ts';

export interface SidecarOptions {
  /** The dapr/ folder: components, subscriptions, resiliency. */
  resourcesDir: string;
  /** Where topics and consumer offsets live (a `broker/` folder is made inside). */
  dataDir: string;
  /** app id → base URL, e.g. on-task-completed → http://127.0.0.1:8081. */
  apps: Map<string, string>;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  logger: Logger;
}

export interface Sidecar {
  port: number;
  url: string;
  broker: Broker;
  stop(): Promise<void>;
}

/** Starts the local Dapr stand-in: reads dapr/, recovers the broker, serves the HTTP API, runs cron. */
export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const { logger } = options;
  const resources = await loadDaprResources(options.resourcesDir);
  const broker = await Broker.start({
    dir: join(options.dataDir, 'broker'),
    resources,
    apps: options.apps,
    logger,
  });
  const server = createSidecarServer(broker, logger);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const cron = startCronBindings(resources.cronBindings, options.apps, logger);
  logger.info(
    {
      port,
      pubsubs: [...resources.pubsubs.keys()],
      subscriptions: resources.subscriptions.map((plan) => `${plan.name}: ${plan.pubsub}/${plan.topic}`),
    },
    `local Dapr sidecar listening on http://${host}:${port}`,
  );
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: `http://${host}:${port}`,
    broker,
    stop() {
      stopped ??= (async () => {
        cron.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await broker.stop();
      })();
      return stopped;
    },
  };
}
