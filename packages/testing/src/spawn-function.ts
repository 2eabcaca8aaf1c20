import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '@nudge/local';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface SpawnedFunction {
  url: string;
  child: ChildProcess;
  /** Everything the process printed, for assertions and failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/**
 * Runs a function's `src/main.ts` as its own process (as images and `npm start` do) on a free
 * port, and resolves once it answers /healthz.
 */
export async function spawnFunction(mainPath: string, env: Record<string, string>): Promise<SpawnedFunction> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainPath], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${mainPath} exited early:\n${text}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${mainPath} did not become healthy:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    child,
    output: () => text,
    async terminate() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export interface SpawnedMain {
  fn: SpawnedFunction;
  database: TestDatabase;
  /** Stops the process (if still running), then drops its database. */
  close(): Promise<void>;
}

/** A fresh test database and the given main.ts spawned against it (DATABASE_URL set). */
export async function spawnMainWithDatabase(
  main: URL,
  env: Record<string, string> = {},
): Promise<SpawnedMain> {
  const database = await createTestDatabase();
  try {
    const fn = await spawnFunction(fileURLToPath(main), { DATABASE_URL: database.url, ...env });
    return {
      fn,
      database,
      async close() {
        await fn.terminate();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
