import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, migrateToLatest } from '@nudge/core';
import { ensureJwtSecret, signDevToken } from './dev-auth.ts';
import { startPostgresProcess } from './postgres-process.ts';
import { type SinkMail, startSmtpSink } from './smtp-sink.ts';
import { Supervisor } from './supervisor.ts';
import { buildWebIfNeeded, viteBin, type WebMode } from './web.ts';

/** The repository root: functions/ and dapr/ are found relative to it. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const functionNames = ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan'] as const;
export type FunctionName = (typeof functionNames)[number];

export interface LocalStackOptions {
  dataDir: string;
  /** `mailHttp`: where captured mail is listed over HTTP (omit for none). */
  ports: Record<FunctionName, number> & {
    sidecar: number;
    smtp: number;
    postgres: number;
    mailHttp?: number;
    /** The web app (omit for none). */
    web?: number;
  };
  /** `built` (default): web/dist served by web/server/serve.ts, built first when stale; `dev`: Vite. */
  webMode?: WebMode;
  /** Reuse this database instead of starting an embedded PostgreSQL. */
  databaseUrl?: string | undefined;
  /** Send mail here instead of capturing it. */
  smtpUrl?: string | undefined;
  mailFrom?: string;
  /** When unset, one is generated into dataDir and a demo token is signed. */
  jwtSecret?: string | undefined;
  logLevel?: string;
  /** Defaults to the repository's dapr/ folder. */
  resourcesDir?: string;
  /** Extra environment for every process (e.g. SCAN_LOOKAHEAD_SECONDS). */
  env?: Record<string, string>;
  /** Where process output goes, one formatted line at a time (default: stdout). */
  output?: (line: string) => void;
  color?: boolean;
  onMail?: (mail: SinkMail) => void;
  /** How long to wait for every process to answer its health check. */
  readyTimeoutMs?: number;
  /**
   * The port the functions reach the sidecar on, when something sits between them (the fault
   * tests' proxy, which makes the broker answer 500 or refuse connections); default ports.sidecar.
   */
  appSidecarPort?: number;
  /** Abandons a start in progress (Ctrl-C while starting): everything started so far is stopped. */
  abort?: AbortSignal;
}

export interface LocalStack {
  urls: Record<FunctionName, string> & { sidecar: string; web?: string };
  databaseUrl: string;
  smtpUrl: string;
  /** Folder of captured .eml files, or undefined when SMTP_URL sends mail elsewhere. */
  mailDir: string | undefined;
  /** A web page listing captured mail, when `ports.mailHttp` was given. */
  mailUrl: string | undefined;
  jwtSecret: string;
  /** A token for the demo user (sub `demo`, 30 days), signed with the secret in use. */
  demoToken: string | undefined;
  supervisor: Supervisor;
  /** Stops the processes first, then mail capture and PostgreSQL. Safe to call twice. */
  stop(): Promise<void>;
}

async function waitUntilHealthy(
  url: string,
  deadline: number,
  supervisor: Supervisor,
  name: string,
  abort: AbortSignal | undefined,
): Promise<void> {
  for (;;) {
    abort?.throwIfAborted();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} did not become healthy at ${url} (pid ${supervisor.pid(name) ?? 'none'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts Nudge on this machine: PostgreSQL (embedded unless a URL is given, migrated), mail
 * capture (unless an SMTP URL is given), the local Dapr sidecar and the four functions as
 * supervised child processes. Resolves once every process answers its health check.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  const output = options.output ?? ((line: string) => process.stdout.write(`${line}\n`));
  const cleanup: (() => Promise<void>)[] = [];
  const runCleanup = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    await mkdir(dataDir, { recursive: true });
    // As root, PostgreSQL runs as `postgres` and must be able to enter the data folder.
    if (process.getuid?.() === 0) await chmod(dataDir, 0o755);

    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startPostgresProcess(
        join(dataDir, 'postgres'),
        options.ports.postgres,
        'nudge',
        output,
      );
      cleanup.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    const db = createDb(databaseUrl, { max: 1 });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }

    const jwtSecret = options.jwtSecret ?? (await ensureJwtSecret(dataDir));
    const demoToken = await signDevToken(jwtSecret, {
      sub: 'demo',
      email: 'demo@example.com',
      ttlSeconds: 30 * 86_400,
    });
    const webDir = join(repoRoot, 'web');
    if (options.ports.web && (options.webMode ?? 'built') === 'built') await buildWebIfNeeded(webDir, output);

    let smtpUrl = options.smtpUrl;
    let mailDir: string | undefined;
    let mailUrl: string | undefined;
    if (!smtpUrl) {
      mailDir = join(dataDir, 'mail');
      const capture = await startSmtpSink({
        dir: mailDir,
        port: options.ports.smtp,
        httpPort: options.ports.mailHttp,
        onMail: options.onMail,
      });
      cleanup.push(() => capture.stop());
      smtpUrl = `smtp://127.0.0.1:${capture.port}`;
      mailUrl = capture.httpUrl;
    }

    const supervisor = new Supervisor({ output, color: options.color ?? false });
    cleanup.push(() => supervisor.stop());
    const url = (port: number) => `http://127.0.0.1:${port}`;
    const urls = {
      'task-api': url(options.ports['task-api']),
      'on-task-completed': url(options.ports['on-task-completed']),
      'on-reminder-due': url(options.ports['on-reminder-due']),
      'cron-scan': url(options.ports['cron-scan']),
      sidecar: url(options.ports.sidecar),
      ...(options.ports.web ? { web: `http://localhost:${options.ports.web}` } : {}),
    };
    // The browser calls task-api from the web app's origin (as in the cluster, where they are two
    // Knative Services): allow it by CORS, under both names a person may type.
    const webOrigins = options.ports.web
      ? [`http://localhost:${options.ports.web}`, `http://127.0.0.1:${options.ports.web}`]
      : [];
    const common = {
      ...process.env,
      ...options.env,
      NODE_ENV: 'production',
      LOG_LEVEL: options.logLevel ?? 'info',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      DAPR_HTTP_PORT: String(options.ports.sidecar),
      SMTP_URL: smtpUrl,
      MAIL_FROM: options.mailFrom ?? 'Nudge <nudge@localhost>',
    };
    supervisor.start({
      name: 'sidecar',
      args: [join(repoRoot, 'packages/local/src/sidecar/main.ts')],
      cwd: repoRoot,
      env: {
        ...common,
        DAPR_RESOURCES_DIR: options.resourcesDir ?? join(repoRoot, 'dapr'),
        DAPR_APP_URLS: functionNames.map((name) => `${name}=${urls[name]}`).join(','),
      },
    });
    for (const name of functionNames) {
      // Each function's main.ts, as its image runs it: functions-framework's server, our shutdown.
      supervisor.start({
        name,
        args: [join(repoRoot, 'functions', name, 'src/main.ts')],
        cwd: repoRoot,
        env: {
          ...common,
          PORT: String(options.ports[name]),
          AUTH_JWT_SECRET: name === 'task-api' ? jwtSecret : undefined,
          CORS_ORIGINS:
            name === 'task-api'
              ? [options.env?.CORS_ORIGINS ?? process.env.CORS_ORIGINS, ...webOrigins]
                  .filter(Boolean)
                  .join(',') || undefined
              : undefined,
          DAPR_HTTP_PORT: String(options.appSidecarPort ?? options.ports.sidecar),
        },
      });
    }
    if (options.ports.web) {
      const webEnv = { ...common, PORT: String(options.ports.web), API_URL: urls['task-api'] };
      supervisor.start(
        options.webMode === 'dev'
          ? {
              name: 'web',
              args: [
                viteBin(webDir),
                '--port',
                String(options.ports.web),
                '--strictPort',
                '--host',
                '127.0.0.1',
              ],
              cwd: webDir,
              env: { ...webEnv, NODE_ENV: 'development' },
            }
          : { name: 'web', args: [join(webDir, 'server/serve.ts')], cwd: repoRoot, env: webEnv },
      );
    }
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    await Promise.all([
      ...(urls.web
        ? [waitUntilHealthy(`${urls.web}/config.json`, deadline, supervisor, 'web', options.abort)]
        : []),
      waitUntilHealthy(`${urls.sidecar}/v1.0/healthz`, deadline, supervisor, 'sidecar', options.abort),
      ...functionNames.map((name) =>
        waitUntilHealthy(`${urls[name]}/healthz`, deadline, supervisor, name, options.abort),
      ),
    ]);

    let stopped: Promise<void> | undefined;
    return {
      urls,
      databaseUrl,
      smtpUrl,
      mailDir,
      mailUrl,
      jwtSecret,
      demoToken,
      supervisor,
      stop: () => {
        stopped ??= runCleanup();
        return stopped;
      },
    };
  } catch (error) {
    await runCleanup();
    throw error;
  }
}
