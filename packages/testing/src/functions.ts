import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from '@nudge/local';
import { type NodeProcess, spawnNode } from './processes.ts';

// The package exports only its API; its CLI (package.json `bin`) sits beside the resolved entry.
const frameworkMain = join(
  dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')),
  'main.js',
);

/** Polls `url` until it answers (any status below 500), or fails after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status < 500) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs)
      throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs a function the way the local stack and the images do: functions-framework loading the
 * function's entry file with its target, on `port`. Resolves once `readyPath` answers.
 */
export async function startFunction(options: {
  source: string;
  target: string;
  port: number;
  env: Record<string, string>;
  readyPath?: string;
}): Promise<NodeProcess> {
  const fn = await spawnNode(
    frameworkMain,
    [`--target=${options.target}`, `--source=${options.source}`, `--port=${options.port}`],
    { env: { ...options.env, PORT: String(options.port) }, cwd: repoRoot },
  );
  try {
    await waitForHttp(`http://127.0.0.1:${options.port}${options.readyPath ?? '/healthz'}`);
  } catch (error) {
    await fn.stop('SIGKILL');
    throw new Error(`${options.target} did not start:\n${fn.tail()}`, { cause: error });
  }
  return fn;
}
