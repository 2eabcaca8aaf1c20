// The embedded PostgreSQL behind `npm start`, in its own process (and process group) so the
// launcher decides when it stops: after the functions, never at the same Ctrl-C.

import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

const [dataDir, port, database] = process.argv.slice(2);
if (!dataDir || !port || !database || !process.send) {
  console.error(
    'usage: node postgres-main.ts <dataDir> <port> <database> (spawned by the launcher, with IPC)',
  );
  process.exit(2);
}

const server = await startEmbeddedPostgres({ dataDir, port: Number(port) });
const client = new pg.Client({ connectionString: server.adminUrl });
await client.connect();
const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
if (!rowCount) await client.query(`create database "${database}"`);
await client.end();
process.send({ ready: server.urlFor(database) });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
