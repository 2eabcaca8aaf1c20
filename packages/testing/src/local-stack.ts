import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalStack, startLocalStack } from '@nudge/local';
import { type SidecarFront, startSidecarFront } from './sidecar-front.ts';

export interface TopicRecord {
  offset: number;
  key?: string;
  event: { id: string; type: string; data?: { payload?: Record<string, unknown> } };
}

export interface TestStack extends LocalStack {
  dataDir: string;
  /** Present when started with `brokerProxy`: the functions publish through it. */
  proxy: SidecarFront | undefined;
  /** Every record the sidecar's durable log holds for a topic (the broker's publication record). */
  topic(name: string): Promise<TopicRecord[]>;
  /** The last lines the stack's processes printed, for error messages. */
  tail(lines?: number): string;
  /** Runs one scan now, as the Dapr cron binding does every 30 s; resolves with its JSON summary. */
  scan(): Promise<Record<string, unknown>>;
}

/**
 * The local stack `npm start` runs — the four functions as processes, the Dapr sidecar stand-in
 * driven by dapr/ — on free ports, against the given database and SMTP server.
 */
export async function startTestStack(options: {
  databaseUrl: string;
  smtpUrl: string;
  env?: Record<string, string>;
  logLevel?: string;
  /** Put a fault-injecting proxy between the functions and the sidecar. */
  brokerProxy?: boolean;
}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nudge-bench-stack-'));
  const lines: string[] = [];
  const ports = {
    'task-api': await freePort(),
    'on-task-completed': await freePort(),
    'on-reminder-due': await freePort(),
    'cron-scan': await freePort(),
    sidecar: await freePort(),
    smtp: await freePort(),
    postgres: await freePort(),
  };
  const proxy = options.brokerProxy ? await startSidecarFront(ports.sidecar) : undefined;
  const stack = await startLocalStack({
    appSidecarPort: proxy?.port,
    dataDir,
    ports,
    databaseUrl: options.databaseUrl,
    smtpUrl: options.smtpUrl,
    jwtSecret: 'bench-secret-bench-secret-bench-secret!',
    logLevel: options.logLevel ?? 'info',
    env: options.env,
    output: (line) => {
      lines.push(line);
      if (lines.length > 500) lines.splice(0, 100);
    },
  });
  return {
    ...stack,
    dataDir,
    proxy,
    async topic(name) {
      const text = await readFile(join(dataDir, 'broker', 'topics', 'pubsub', `${name}.jsonl`), 'utf8').catch(
        () => '',
      );
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as TopicRecord);
    },
    tail: (count = 60) => lines.slice(-count).join('\n'),
    async scan() {
      const response = await fetch(`${stack.urls['cron-scan']}/scan-schedule`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`scan answered ${response.status}: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    },
    async stop() {
      await stack.stop();
      await proxy?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
