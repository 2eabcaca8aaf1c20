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

/** One pool per process. Errors on idle clients (PostgreSQL restarting) are logged, not fatal. */
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
  // The same holds for a checked-out client between two queries: the relay keeps a transaction
  // open across its bulk publish requests, and a restart's "terminating connection" would be an
  // unhandled 'error' event. Its next query fails instead, and the transaction with it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
