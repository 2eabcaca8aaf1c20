import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** How `npm start` serves the web app: the built files (as in production) or Vite with hot reload. */
export type WebMode = 'built' | 'dev';

/** Vite's CLI script, resolved from the web workspace. */
export function viteBin(webDir: string): string {
  const require = createRequire(join(webDir, 'package.json'));
  return join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');
}

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestMtime(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

/** Builds web/dist unless it is newer than every source file; resolves once the build is done. */
export async function buildWebIfNeeded(webDir: string, output: (line: string) => void): Promise<void> {
  const built = await newestMtime(join(webDir, 'dist/index.html'));
  const sources = Math.max(
    ...(await Promise.all(
      ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((name) =>
        newestMtime(join(webDir, name)),
      ),
    )),
  );
  if (built > sources) return;
  output('[web] building the web app (vite build)…');
  const child = spawn(process.execPath, [viteBin(webDir), 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    // A test runner's NODE_ENV=test would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vite build failed (code ${code}):\n${lines.join('')}`);
}
