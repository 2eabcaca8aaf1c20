// The web app's production server (also what `npm start` runs): static files from dist/, the SPA
// fallback, `/config.json` from the environment, and strict security headers. No framework: it
// serves a handful of files.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { ConfigError } from '@nudge/core';
import {
  type ClientConfig,
  clientConfig,
  contentSecurityPolicy,
  loadWebConfig,
  type WebConfig,
} from './config.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function securityHeaders(res: ServerResponse, csp: string): void {
  res.setHeader('content-security-policy', csp);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** Resolves a URL path inside root, or undefined when it would leave it. */
function fileFor(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const file = normalize(join(root, decoded));
  return file === root || file.startsWith(root + sep) ? file : undefined;
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cache: string) {
  const info = await stat(file);
  res.statusCode = 200;
  res.setHeader('content-type', types[extname(file)] ?? 'application/octet-stream');
  res.setHeader('content-length', info.size);
  res.setHeader('cache-control', cache);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The request handler: exported so tests can serve on a port of their choosing. */
export function createWebHandler(config: Pick<WebConfig, 'DIST_DIR'>, client: ClientConfig) {
  const root = resolve(config.DIST_DIR);
  const csp = contentSecurityPolicy(client);
  const configJson = JSON.stringify(client);
  return async (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res, csp);
    const { pathname } = new URL(req.url ?? '/', 'http://web');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('allow', 'GET, HEAD');
      res.end();
      return;
    }
    if (pathname === '/healthz') {
      res.end('ok');
      return;
    }
    if (pathname === '/config.json') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-cache');
      res.end(configJson);
      return;
    }
    const file = fileFor(root, pathname);
    try {
      // Vite puts content-hashed files under assets/: a changed file gets a new name.
      if (file && pathname.startsWith('/assets/') && (await isFile(file))) {
        return await sendFile(req, res, file, 'public, max-age=31536000, immutable');
      }
      if (file && pathname !== '/' && (await isFile(file))) {
        return await sendFile(req, res, file, 'no-cache');
      }
      // A missing asset is a 404 (an old tab after a deploy must not get HTML as JavaScript);
      // every other path is a route of the app.
      if (pathname.startsWith('/assets/') || extname(pathname) !== '') {
        res.statusCode = 404;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('not found');
        return;
      }
      await sendFile(req, res, join(root, 'index.html'), 'no-cache');
    } catch (error) {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('the app is not built: run `npm run build -w web`');
      console.error(`[web] ${(error as Error).message}`);
    }
  };
}

export function startWebServer(config: WebConfig): Promise<Server> {
  const server = createServer(createWebHandler(config, clientConfig(config)));
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, () => resolveListen(server));
  });
}

if (import.meta.main) {
  let config: WebConfig;
  try {
    config = loadWebConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const server = await startWebServer(config);
  console.log(`[web] serving ${config.DIST_DIR} on port ${config.PORT}, API ${config.API_URL}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}
