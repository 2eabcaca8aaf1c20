import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A PostgreSQL server running in a process of its own: the URL of its database, and how to stop it. */
export interface PostgresProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs the embedded PostgreSQL (data in `dataDir`, created if new) in its own process and session
 * (postgres-main.ts): a terminal's Ctrl-C cannot stop it before the functions, and the kernel
 * schedules it as its own group (CFS autogroup), apart from the processes that use it — on one
 * machine, what a database pod's own CPU share is in the cluster. Resolves once `database`
 * exists, with its URL (as superuser).
 */
export async function startPostgresProcess(
  dataDir: string,
  port: number,
  database: string,
  output: (line: string) => void,
): Promise<PostgresProcess> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./postgres-main.ts', import.meta.url)), dataDir, String(port), database],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const errors: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
  child.stdout!.on('data', (chunk: Buffer) => output(`[postgres] ${chunk.toString('utf8').trimEnd()}`));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { ready?: string }) =>
      message.ready ? resolve(message.ready) : reject(),
    );
    void exited.then((code) =>
      reject(
        new Error(`embedded PostgreSQL exited (code ${code}) before it was ready: ${errors.join('').trim()}`),
      ),
    );
  });
  child.channel?.unref();
  void exited.then((code) => {
    if (!stopping) output(`[postgres] embedded PostgreSQL stopped unexpectedly (code ${code})`);
  });
  let stopping = false;
  return {
    url,
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
