export { type DeliveryMode, deliverEvent } from './deliver.ts';
export { type FakeSidecar, type RecordedRequest, relayToSidecar, startFakeSidecar } from './fake-sidecar.ts';
export { insertReminderRow, insertTaskRow, insertUser } from './fixtures.ts';
export { type RegisteredServer, serveRegistered } from './serve-registered.ts';
export {
  type SpawnedFunction,
  type SpawnedMain,
  spawnFunction,
  spawnMainWithDatabase,
} from './spawn-function.ts';
export { createTestDatabase, type TestDatabase } from './test-database.ts';
