import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@nudge/core';
import { createTestDatabase, type TestDatabase } from '@nudge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.ts';

// The image runs exactly this: scripts/bundle.sh's output under the functions-framework CLI.
describe('the esbuild bundle the images ship', () => {
  let database: TestDatabase;
  let server: ChildProcess | undefined;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    execFileSync('bash', [join(repoRoot, 'scripts/bundle.sh'), 'cron-scan'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      [
        join(repoRoot, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
        '--target=cron-scan',
        `--source=${join(repoRoot, 'dist/cron-scan')}`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          PORT: String(port),
          DATABASE_URL: database.url,
        },
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${base}/healthz`)
          .then((r) => r.ok)
          .catch(() => false)
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the bundled cron-scan did not answer /healthz within 10 s');
  }, 60_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    await database?.drop();
  });

  it('starts under the functions-framework CLI and answers the probes Knative uses', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves the Prometheus metrics the alert rules name', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('cron_scan_duration_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });
});
