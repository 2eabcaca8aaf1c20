import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db, migrateToLatest } from '@nudge/core';
import { freePort, startPostgresProcess } from '@nudge/local';
import pg from 'pg';

export interface ServerDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** The PostgreSQL server a bench or fault run measures against, with a fresh migrated database per scenario. */
export interface PostgresServer {
  adminUrl: string;
  port: number;
  /** A new database, migrated to the latest schema. */
  database(prefix: string): Promise<ServerDatabase>;
  /** Stops and starts the server on the same port and data (fault tests); only for an embedded server. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Uses `adminUrl` (a superuser URL, e.g. BENCH_DATABASE_URL) when given, otherwise starts an
 * embedded PostgreSQL in a temp folder — the same server, run the same way, as `npm start`.
 */
export async function startPostgresServer(adminUrl?: string): Promise<PostgresServer> {
  let url = adminUrl;
  let stopServer = async () => {};
  let restartServer: (downMs: number) => Promise<void> = async () => {
    throw new Error('restart needs the embedded server (unset BENCH_DATABASE_URL)');
  };
  if (!url) {
    const folder = await mkdtemp(join(tmpdir(), 'nudge-bench-pg-'));
    await chmod(folder, 0o755); // PostgreSQL runs as `postgres` when we are root
    const dataDir = join(folder, 'data');
    const port = await freePort();
    // In its own process and session, as `npm start` runs it: the kernel then shares the CPU
    // between PostgreSQL and the processes measured against it as between their pods.
    const start = () => startPostgresProcess(dataDir, port, 'postgres', () => {});
    let server = await start();
    url = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    };
    restartServer = async (downMs) => {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await start();
    };
  }
  const serverUrl = url;
  const template = `nudge_bench_template_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, (client) => client.query(`create database ${template}`));
  const withDatabase = (name: string) => {
    const parsed = new URL(serverUrl);
    parsed.pathname = `/${name}`;
    return parsed.toString();
  };
  const templateDb = createDb(withDatabase(template), { max: 1 });
  await migrateToLatest(templateDb);
  await templateDb.destroy();
  const created: string[] = [];

  return {
    adminUrl: serverUrl,
    port: Number(new URL(serverUrl).port),
    async database(prefix) {
      const name = `${prefix.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
      await admin(serverUrl, (client) => client.query(`create database ${name} template ${template}`));
      created.push(name);
      const dbUrl = withDatabase(name);
      const db = createDb(dbUrl, { max: 10 });
      return {
        name,
        url: dbUrl,
        db,
        async drop() {
          await db.destroy();
          await admin(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
        },
      };
    },
    restart: (downMs = 0) => restartServer(downMs),
    async stop() {
      if (adminUrl) {
        await admin(serverUrl, async (client) => {
          for (const name of [...created, template])
            await client.query(`drop database if exists ${name} with (force)`);
        });
      }
      await stopServer();
    },
  };
}
