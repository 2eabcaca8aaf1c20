import { z } from 'zod';
import { env } from './load-config.ts';

/**
 * The variables every event-pipeline function reads: spread into a function's own schema
 * (`z.object({ ...pipelineEnv, SMTP_URL: … })`) so they are spelled and defaulted alike.
 */
export const pipelineEnv = {
  DATABASE_URL: env.databaseUrl,
  /** Knative sets PORT; the local stack gives each function its own. */
  PORT: env.port.default(8080),
  LOG_LEVEL: env.logLevel,
  /** The Dapr sidecar's HTTP port (the publish API). */
  DAPR_HTTP_PORT: env.port.default(3500),
  /** The pub/sub component name in dapr/components/pubsub.yaml. */
  DAPR_PUBSUB_NAME: z.string().min(1).default('pubsub'),
};
