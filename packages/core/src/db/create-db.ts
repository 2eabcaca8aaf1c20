import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.ts';

// int8 (outbox ids, counts) fits comfortably in a double for this service's lifetime.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DbOptions {
  /** Pool size; each function needs few connections (Knative scales out instead). */
  max?: number;
  /** Fail fast instead of queueing forever when PostgreSQL is unreachable. */
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
}

/** One pool per process. A client's connection error (PostgreSQL restarting) is not fatal to the process. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    statement_timeout: options.statementTimeoutMillis ?? 30_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener an idle client's error (e.g. PostgreSQL restarted) would crash the process.
  pool.on('error', () => {});
  // The same for a checked-out client whose connection dies between two queries (PostgreSQL
  // restarting): pg emits 'error' on the client, and only the pool's idle clients have a listener.
  // The next query on it fails with a retryable error and the pool discards it. (Under
  // functions-framework a per-request domain used to swallow this; a plain server does not.)
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
