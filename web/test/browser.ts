// Debian's Chromium driven by playwright-core (no browser download), and the stack `npm start` runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@nudge/testing';
import { type Browser, chromium, type Page } from 'playwright-core';

export const repoRoot = new URL('../../', import.meta.url).pathname;

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
  demoToken: string;
  output: string[];
  stop(): Promise<void>;
}

/** Runs `npm start` (packages/local/src/start.ts) on free ports and reads the URLs it prints. */
export async function startNpmStart(): Promise<RunningStart> {
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
  names.forEach((name, index) => {
    env[name] = String(ports[index]);
  });
  delete env.AUTH_JWT_SECRET;
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
      const token = /export TOKEN=(\S+)/.exec(text)?.[1];
      if (app && other && api && token) resolve({ app, other, api, token });
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
    demoToken: printed.token!,
    output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the app's CSP (script-src 'self') does not apply to it.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.evaluate(await axeSource);
  // Expressions as strings: this file is typed for Node, without the DOM's globals.
  const results = await page.evaluate<any>("axe.run({ resultTypes: ['violations'] })");
  return (results.violations as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
