import { type ChildProcess, spawn } from 'node:child_process';

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process exits, with its code or signal. */
  exited: Promise<string>;
  /** Last lines of output, for error messages. */
  tail(): string;
  stop(signal?: NodeJS.Signals): Promise<string>;
}

/**
 * Spawns `node <script> ...args` with output drained (a full pipe would stall the child) and the
 * last lines kept. Resolves once a line matches `ready` (or at spawn when none is given).
 */
export async function spawnNode(
  script: string,
  args: readonly string[],
  options: { env?: Record<string, string>; ready?: RegExp; timeoutMs?: number; cwd?: string } = {},
): Promise<NodeProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let readyResolve: (() => void) | undefined;
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (readyResolve && options.ready?.test(line)) {
        readyResolve();
        readyResolve = undefined;
      }
    }
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  const tail = () => lines.join('\n');
  if (options.ready) {
    const ready = options.ready;
    const timeoutMs = options.timeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${script} not ready (${ready}) after ${timeoutMs} ms:\n${tail()}`)),
        timeoutMs,
      );
      readyResolve = () => {
        clearTimeout(timer);
        resolve();
      };
      // Rejecting after resolve is a no-op, so a later exit does not disturb a ready process.
      exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited (${how}) before ready:\n${tail()}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }
  return {
    child,
    pid: child.pid!,
    exited,
    tail,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}
