import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/index.ts';

// mkdtemp makes a 0700 folder: the private checkout a newcomer gets from `mktemp -d`.
const folder = await mkdtemp(join(tmpdir(), 'nudge-private-'));
afterAll(() => rm(folder, { recursive: true, force: true }));

const answer = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 1 as one')).rows[0].one;
  } finally {
    await client.end();
  }
};

it('starts under a private folder, and starts again on the same data after a stop', async () => {
  const dataDir = join(folder, 'data');
  const first = await startEmbeddedPostgres({ dataDir });
  expect(await answer(first.adminUrl)).toBe(1);
  await first.stop();

  const again = await startEmbeddedPostgres({ dataDir });
  try {
    expect(await answer(again.adminUrl)).toBe(1);
    // PostgreSQL refuses a data folder more open than 0750; ours must stay as initdb left it.
    expect((await stat(dataDir)).mode & 0o007).toBe(0);
  } finally {
    await again.stop();
  }
}, 60_000);

it('keeps the exit code a process set: a failed test run must not exit 0', () => {
  // What vitest does when a test fails: set process.exitCode and let the event loop drain.
  const script = [
    "import { loadEmbeddedPostgres } from './packages/local/src/embedded-postgres.ts';",
    'await loadEmbeddedPostgres();',
    'process.exitCode = 3;',
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../../..', import.meta.url).pathname,
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(3);
});
