import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatLine, prefixFor } from './log-format.ts';

const exitWithParent = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));

/** A Node process to run: `node --import=exit-with-parent.ts <args>`. */
export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface SupervisorOptions {
  /** Receives every formatted, prefixed line (stdout by default). */
  output: (line: string) => void;
  color: boolean;
  /** First restart delay; doubles per crash up to maxRestartDelayMs, reset after a healthy minute. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** How long a child gets after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

interface Managed {
  spec: ProcessSpec;
  prefix: string;
  child?: ChildProcess | undefined;
  exited?: Promise<void> | undefined;
  delayMs: number;
  restartTimer?: NodeJS.Timeout | undefined;
}

/**
 * Runs the local stack's processes: prefixes and formats their output, restarts one that
 * crashes (with growing delays, and a log line), and stops them all on request.
 */
export class Supervisor {
  #options: SupervisorOptions;
  #managed: Managed[] = [];
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  start(spec: ProcessSpec): void {
    const managed: Managed = {
      spec,
      prefix: prefixFor(spec.name, this.#managed.length, this.#options.color),
      delayMs: this.#options.restartDelayMs ?? 500,
    };
    this.#managed.push(managed);
    this.#spawn(managed);
  }

  /** The pid of a running process (tests kill -9 the sidecar with it). */
  pid(name: string): number | undefined {
    return this.#managed.find((managed) => managed.spec.name === name)?.child?.pid;
  }

  #print(managed: Managed, line: string): void {
    this.#options.output(`${managed.prefix} ${formatLine(line)}`);
  }

  #spawn(managed: Managed): void {
    const { spec } = managed;
    const started = Date.now();
    const child = spawn(process.execPath, [`--import=${exitWithParent}`, ...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: Ctrl-C reaches the launcher only, which stops everything in order.
      detached: true,
    });
    managed.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.#print(managed, line));
    }
    managed.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        managed.child = undefined;
        resolve();
        if (this.#stopping) return;
        if (Date.now() - started > 60_000) managed.delayMs = this.#options.restartDelayMs ?? 500;
        const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.#print(managed, `process ${how}; restarting in ${(managed.delayMs / 1000).toFixed(1)} s`);
        managed.restartTimer = setTimeout(() => {
          managed.restartTimer = undefined;
          if (!this.#stopping) this.#spawn(managed);
        }, managed.delayMs);
        managed.delayMs = Math.min(managed.delayMs * 2, this.#options.maxRestartDelayMs ?? 10_000);
      });
    });
    child.once('error', (error) => this.#print(managed, `could not start: ${error.message}`));
  }

  /** SIGTERM to every process (in reverse start order), SIGKILL to any still alive after the timeout. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = [...this.#managed].reverse();
    for (const managed of running) {
      clearTimeout(managed.restartTimer);
      managed.child?.kill('SIGTERM');
    }
    await Promise.all(
      running.map(async (managed) => {
        if (!managed.child) return;
        const timer = setTimeout(() => managed.child?.kill('SIGKILL'), this.#options.stopTimeoutMs ?? 5_000);
        await managed.exited;
        clearTimeout(timer);
      }),
    );
  }
}
