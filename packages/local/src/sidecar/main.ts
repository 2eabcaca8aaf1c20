// The local Dapr sidecar as its own process (started by `npm start`, restarted if it dies).
import { createLogger } from '@nudge/core';
import { startSidecar } from './sidecar.ts';
import { loadSidecarConfig } from './sidecar-config.ts';

const config = loadSidecarConfig();
const logger = createLogger('sidecar', config.LOG_LEVEL);
const sidecar = await startSidecar({
  resourcesDir: config.DAPR_RESOURCES_DIR,
  dataDir: config.DATA_DIR,
  apps: config.DAPR_APP_URLS,
  port: config.DAPR_HTTP_PORT,
  logger,
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    sidecar.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'sidecar stop failed');
        process.exit(1);
      },
    );
  });
}
