import { type Clock, createLogger, createMetrics, type Db, type OutboxKick, systemClock } from '@nudge/core';
import { createTestDatabase } from '@nudge/testing';
import { SignJWT } from 'jose';
import { createTaskApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDeps, type Deps } from '../src/deps.ts';

export const secret = 'test-secret-that-is-at-least-32-characters-long';

/** An HS256 token as the local stack signs them; `claims` may override or drop anything. */
export async function token(
  sub: string,
  claims: Record<string, unknown> = {},
  key = secret,
): Promise<string> {
  return new SignJWT({ email: `${sub}@example.com`, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(key));
}

export interface Api {
  /** The app itself, for tests that serve it over real HTTP. */
  app: ReturnType<typeof createTaskApi>;
  db: Db;
  deps: Deps;
  kicks: { count: number };
  /** A request to the app, in process; `as` signs a token for that user; `json` is sent as application/json. */
  call(
    method: string,
    path: string,
    options?: { as?: string; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

/**
 * The task-api app built with a fresh test database, called in process (`app.request`): the
 * whole edge runs — middleware, body reading, error answers — without a listening server.
 * The relay is a counter: tests check it was kicked.
 */
export async function startApi(
  options: { env?: Record<string, string>; clock?: Clock; relay?: OutboxKick; deps?: Partial<Deps> } = {},
): Promise<Api> {
  const testDb = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: testDb.url, AUTH_JWT_SECRET: secret, ...options.env });
  const kicks = { count: 0 };
  const shared = {
    db: testDb.db,
    logger: createLogger('task-api', 'silent'),
    metrics: createMetrics('task-api'),
    clock: options.clock ?? systemClock,
    relay: options.relay ?? {
      kick() {
        kicks.count += 1;
      },
    },
  };
  const deps = createDeps(config, shared, options.deps);
  const app = createTaskApi(deps);
  const tokens = new Map<string, string>();
  return {
    app,
    db: testDb.db,
    deps,
    kicks,
    async call(method, path, { as, json, body, headers = {} } = {}) {
      const all: Record<string, string> = { ...headers };
      if (as) {
        if (!tokens.has(as)) tokens.set(as, await token(as));
        all.authorization = `Bearer ${tokens.get(as)}`;
      }
      let payload = body;
      if (json !== undefined) {
        payload = JSON.stringify(json);
        all['content-type'] ??= 'application/json';
      }
      const response = await app.request(path, { method, headers: all, body: payload ?? null });
      const text = await response.text();
      let parsed: unknown = text;
      if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: parsed as any, text };
    },
    async close() {
      await deps.streams.close();
      await testDb.drop();
    },
  };
}

/** Outbox rows in commit order, as the relay will publish them. */
export async function outbox(db: Db) {
  const rows = await db.selectFrom('outbox').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    topic: row.topic,
    event_type: row.event_type,
    user_id: row.user_id,
    event: row.cloud_event as any,
  }));
}
