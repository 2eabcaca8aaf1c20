/**
 * @nudge/testing — the one test kit that unit tests, fault tests and benchmarks share: real
 * PostgreSQL databases, the local stack's sidecar and SMTP sink (packages/local) with fault
 * injection in front, a clock moved by hand, and helpers to run functions as processes.
 */

export {
  freePort,
  type RecentEvent,
  repoRoot,
  type SinkFaults,
  type SinkMail,
  type SmtpSink,
  type SmtpSinkOptions,
  startSmtpSink,
} from '@nudge/local';
export { type ManualClock, manualClock } from './clock.ts';
export { type DeliveryMode, deliverBulk, deliverEvent } from './deliver.ts';
export { insertReminderRow, insertTaskRow, insertUser } from './fixtures.ts';
export { startFunction, waitForHttp } from './functions.ts';
export { startTestStack, type TestStack, type TopicRecord } from './local-stack.ts';
export { reminderMessageId } from './message-id.ts';
export { type PostgresServer, type ServerDatabase, startPostgresServer } from './postgres-server.ts';
export { type NodeProcess, spawnNode } from './processes.ts';
export { benchEmail, benchUserCount, seedDueReminders, seedFutureReminders, seedUsers } from './seed.ts';
export { type RegisteredServer, serveRegistered } from './serve-registered.ts';
export {
  type LocalSidecar,
  relayToSidecar,
  startLocalSidecar,
  startTestSidecar,
  type TestSidecar,
} from './sidecar.ts';
export {
  type AcceptedEvent,
  type Answer,
  type EntryFault,
  type RecordedRequest,
  type SidecarFront,
  startSidecarFront,
} from './sidecar-front.ts';
export {
  type SpawnedFunction,
  type SpawnedMain,
  spawnFunction,
  spawnMainWithDatabase,
} from './spawn-function.ts';
export { createTestDatabase, type TestDatabase } from './test-database.ts';
