import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedMain, spawnMainWithDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from '../src/repo.ts';

/** The instructions of one stage of the Dockerfile, by its `AS` name. */
function dockerStage(name: string): string[] {
  const stages = readRepoFile('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'))
    .reduce<{ name: string; lines: string[] }[]>((all, line) => {
      const from = /^FROM\s+.*\s+AS\s+(\S+)/i.exec(line);
      if (from) all.push({ name: from[1]!, lines: [] });
      else all.at(-1)?.lines.push(line.trim());
      return all;
    }, []);
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`Dockerfile has no stage ${name}`);
  return stage.lines;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const entrypoint = (lines: string[]) =>
  JSON.parse(lines.find((l) => l.startsWith('ENTRYPOINT'))!.slice('ENTRYPOINT'.length)) as string[];

describe('the Dockerfile builds the web app as its own target', () => {
  it('builds the Vite app and the server in the build stage with bundle.sh, on the builder platform', () => {
    expect(dockerStage('web-build')).toContain('RUN bash scripts/bundle.sh web && mv dist/web /app');
    expect(readRepoFile('Dockerfile')).toMatch(/FROM --platform=\$BUILDPLATFORM \$\{NODE_IMAGE\} AS deps/);
  });

  it('runs the bundled server as uid 1000 on port 8080, on the same base as the functions', () => {
    for (const stage of ['web', 'function']) {
      const lines = dockerStage(stage);
      expect(lines, stage).toContain('USER 1000:1000');
      expect(lines, stage).toContain('EXPOSE 8080');
      expect(lines.join('\n'), stage).toMatch(/PORT=8080/);
    }
    expect(readRepoFile('Dockerfile')).toMatch(/^FROM \$\{NODE_IMAGE\} AS web$/m);
    expect(entrypoint(dockerStage('web'))).toEqual(['node', '/app/server/main.mjs']);
  });

  it('keeps the function image the default (last) target, so --build-arg FUNCTION=<name> still builds one', () => {
    const froms = readRepoFile('Dockerfile').match(/^FROM .*/gm)!;
    expect(froms.at(-1)).toMatch(/AS function$/);
    expect(entrypoint(dockerStage('function'))).toEqual(['node', '/app/main.mjs']);
  });

  it('the images workflow and task images build and push it beside the functions', () => {
    const workflow = readRepoFile('.github/workflows/images.yml');
    expect(workflow).toMatch(/- image: web\n\s+target: web/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    expect(workflow).toContain('target: ${{ matrix.target }}');
    expect(readRepoFile('scripts/images.sh')).toContain('--target web');
  });
});

// The image runs exactly this: scripts/bundle.sh web's output, alone in a folder with no
// node_modules, started by the web stage's ENTRYPOINT; task-api beside it as the cluster runs it
// (its own origin, CORS_ORIGINS = the web origin). scripts/smoke-web.sh then checks it the way
// the deploy scripts check a cluster.
describe('the web image, run as the image runs it', () => {
  const app = mkdtempSync(join(tmpdir(), 'nudge-web-image-'));
  let api: SpawnedMain;
  let web: ChildProcess;
  let webUrl: string;
  let output = '';

  beforeAll(async () => {
    execFileSync('bash', [join(repoRoot, 'scripts/bundle.sh'), 'web'], { cwd: repoRoot, stdio: 'pipe' });
    cpSync(join(repoRoot, 'dist/web'), app, { recursive: true });
    const port = await freePort();
    webUrl = `http://127.0.0.1:${port}`;
    api = await spawnMainWithDatabase(new URL('../../../functions/task-api/src/main.ts', import.meta.url), {
      AUTH_JWT_SECRET: 'web-image-test-secret-0123456789abcdef',
      DAPR_HTTP_PORT: '9',
      CORS_ORIGINS: webUrl,
    });
    const [node, main] = entrypoint(dockerStage('web'));
    web = spawn(node === 'node' ? process.execPath : node!, [main!.replace(/^\/app\//, `${app}/`)], {
      // Only what the Knative Service sets: no DIST_DIR, the image's layout must make the default right.
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), API_URL: api.fn.url },
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    web.stdout?.on('data', (chunk) => (output += chunk));
    web.stderr?.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 20_000;
    while (
      !(await fetch(`${webUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (web.exitCode !== null || Date.now() > deadline)
        throw new Error(`the web server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 120_000);

  afterAll(async () => {
    if (web && web.exitCode === null) {
      web.kill('SIGTERM');
      await once(web, 'exit');
    }
    await api?.close();
    rmSync(app, { recursive: true, force: true });
  });

  it('carries the built app beside the server, and nothing of the functions', () => {
    expect(existsSync(join(app, 'dist/index.html'))).toBe(true);
    expect(readRepoFile('dist/web/server/main.mjs')).not.toMatch(/prom-client|pg-pool|pino/);
  });

  it('serves the app with its Content-Security-Policy, never cached, allowing the API and nothing else', async () => {
    const response = await fetch(`${webUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${api.fn.url};`);
    expect(await response.text()).toContain('<script type="module"');
  });

  it('answers /config.json from the environment the Knative Service sets', async () => {
    const response = await fetch(`${webUrl}/config.json`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ api_url: api.fn.url, oidc: null });
  });

  it('passes the deploy scripts’ web smoke test (HTML + CSP, hashed asset, config, SPA fallback, CORS)', () => {
    const result = spawnSync('bash', [join(repoRoot, 'scripts/smoke-web.sh'), webUrl, api.fn.url], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('ok  task-api accepts requests from');
    expect(result.status).toBe(0);
  });

  it('the smoke test fails, naming CORS_ORIGINS, when task-api does not allow the web origin', () => {
    const elsewhere = webUrl.replace('127.0.0.1', 'localhost');
    const result = spawnSync('bash', [join(repoRoot, 'scripts/smoke-web.sh'), elsewhere, api.fn.url], {
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/does not allow the origin http:\/\/localhost:\d+.*CORS_ORIGINS/);
  });

  it('the smoke test fails when the app is configured for another API', () => {
    const result = spawnSync(
      'bash',
      [join(repoRoot, 'scripts/smoke-web.sh'), webUrl, 'https://api.elsewhere.example'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/connect-src does not allow https:\/\/api\.elsewhere\.example/);
  });
});
