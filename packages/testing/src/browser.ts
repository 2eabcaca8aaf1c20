// Debian's Chromium driven by playwright-core (no browser download), and the stack `npm start` runs:
// the web app's end-to-end tests and its benchmark share them. A subpath of its own
// (`@nudge/testing/browser`), so tests that never open a browser do not load playwright-core.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from '@nudge/local';
import { type Browser, chromium } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Playwright gives every launch a fresh temporary profile of its own (it refuses --user-data-dir
    // here), so no state leaks between runs.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface RunningStart {
  /** The two URLs `npm start` printed. */
  appUrl: string;
  otherUserUrl: string;
  apiUrl: string;
  /** The stack's PostgreSQL, for tests that must reach behind the API (retention, seeding). */
  databaseUrl: string;
  demoToken: string;
  output: string[];
  stop(): Promise<void>;
}

/** Runs `npm start` (packages/local/src/start.ts) on free ports and reads the URLs it prints. */
export async function startNpmStart(extraEnv: Record<string, string> = {}): Promise<RunningStart> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nudge-web-e2e-'));
  const names = [
    'TASK_API_PORT',
    'ON_TASK_COMPLETED_PORT',
    'ON_REMINDER_DUE_PORT',
    'CRON_SCAN_PORT',
    'DAPR_HTTP_PORT',
    'SMTP_CAPTURE_PORT',
    'MAIL_HTTP_PORT',
    'POSTGRES_PORT',
    'WEB_PORT',
  ];
  const ports = await Promise.all(names.map(() => freePort()));
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' } as Record<string, string>;
  // The caller's secret or none (a generated one), never whatever this shell exported.
  delete env.AUTH_JWT_SECRET;
  Object.assign(env, extraEnv);
  names.forEach((name, index) => {
    env[name] = String(ports[index]);
  });
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'packages/local/src/start.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const printed = await new Promise<Record<string, string>>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      output.push(chunk.toString('utf8'));
      const app = /Open the app\s+(\S+)/.exec(text)?.[1];
      const other = /Another user\s+(\S+)/.exec(text)?.[1];
      const api = /task-api\s+(http\S+)/.exec(text)?.[1];
      const database = /PostgreSQL\s+(postgres\S+)/.exec(text)?.[1];
      const token = /export TOKEN=(\S+)/.exec(text)?.[1];
      if (app && other && api && database && token) resolve({ app, other, api, database, token });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    void exited.then(() => reject(new Error(`npm start exited:\n${output.join('')}`)));
    setTimeout(() => reject(new Error(`npm start printed no URL in 100 s:\n${output.join('')}`)), 100_000);
  });
  return {
    appUrl: printed.app!,
    otherUserUrl: printed.other!,
    apiUrl: printed.api!,
    databaseUrl: printed.database!,
    demoToken: printed.token!,
    output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
