/** The local stack as a library: what `npm start` runs, for tests and benchmarks. */
export { type EmbeddedServer, startEmbeddedPostgres } from './embedded-postgres.ts';
export { freePort } from './free-port.ts';
export { type PostgresProcess, startPostgresProcess } from './postgres-process.ts';
export type { Broker, RecentEvent } from './sidecar/broker.ts';
export { loadDaprResources } from './sidecar/dapr-resources.ts';
export { type Sidecar, type SidecarOptions, startSidecar } from './sidecar/sidecar.ts';
export {
  type SinkFaults,
  type SinkMail,
  type SmtpSink,
  type SmtpSinkOptions,
  startSmtpSink,
} from './smtp-sink.ts';
export {
  type FunctionName,
  functionNames,
  type LocalStack,
  type LocalStackOptions,
  repoRoot,
  startLocalStack,
} from './stack.ts';
export type { Supervisor } from './supervisor.ts';
