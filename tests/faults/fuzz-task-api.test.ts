import { join } from 'node:path';
import type { NodeProcess, PostgresServer, ServerDatabase } from '@nudge/testing';
import { freePort, repoRoot, startFunction, startLocalSidecar, startPostgresServer } from '@nudge/testing';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseDigest } from './db-snapshot.ts';

/*
 * Property: whatever arrives — random JSON, valid bodies with one field mutated, broken JSON,
 * wrong content types, unknown ids, odd query strings — task-api never answers 5xx, and a request
 * it rejects (4xx) leaves every table exactly as it was.
 */

const secret = 'fuzz-secret-fuzz-secret-fuzz-secret-123';
const runs = Number(process.env.FUZZ_RUNS ?? 120);

let postgres: PostgresServer;
let database: ServerDatabase;
let sidecar: Awaited<ReturnType<typeof startLocalSidecar>>;
let api: NodeProcess;
let base: string;
let token: string;
const taskIds: string[] = [];

const validTask = {
  title: 'Water the plants',
  description: 'Balcony first',
  priority: 'high',
  tags: ['home', 'garden'],
  due_at: '2027-03-01T09:00:00.000Z',
  timezone: 'Europe/Berlin',
  recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO', from: 'due' },
  reminders: [{ before: 'PT1H' }, { at: '2027-02-28T18:00:00.000Z' }],
};

/** Any JSON value, biased towards the shapes and edge values validators get wrong. */
const nasty = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    null,
    '',
    ' ',
    '\u0000',
    'x'.repeat(70_000),
    -1,
    0,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '2027-02-30T25:61:00Z',
    '9999-12-31T23:59:59Z',
    'P1Y2M3DT4H5M6.7S',
    'PT-1H',
    'FREQ=SECONDLY',
    'FREQ=DAILY;COUNT=0',
    'Mars/Olympus_Mons',
    '../../etc/passwd',
    "'; drop table tasks; --",
    '__proto__',
    [],
    {},
    { __proto__: { admin: true } },
  ),
);

/** The valid body with one field replaced, removed, or an unknown one added. */
function mutated<T extends Record<string, unknown>>(valid: T) {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: nasty })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => {
      const copy: Record<string, unknown> = { ...valid };
      delete copy[key];
      return copy;
    }),
    fc
      .record({ key: fc.string({ maxLength: 20 }), value: nasty })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
  );
}

const bodies = (valid: Record<string, unknown>) =>
  fc.oneof(
    mutated(valid).map((body) => ({ raw: JSON.stringify(body), type: 'application/json' })),
    nasty.map((body) => ({ raw: JSON.stringify(body) ?? '', type: 'application/json' })),
    fc.string({ maxLength: 200 }).map((raw) => ({ raw, type: 'application/json' })),
    fc.constant({ raw: JSON.stringify(valid).slice(0, -3), type: 'application/json' }),
    fc.constant({ raw: JSON.stringify(valid), type: 'text/plain' }),
    fc.constant({ raw: JSON.stringify(valid), type: 'application/x-www-form-urlencoded' }),
  );

const ids = () =>
  fc.oneof(
    fc.constantFrom(...taskIds),
    fc.uuid(),
    fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
    fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%00', '..'),
  );

/** Status codes seen per route, so the run shows both accepted and rejected input were exercised. */
const seen = new Map<string, Map<number, number>>();

async function call(method: string, path: string, body?: { raw: string; type: string }, auth = true) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': body.type } : {}),
    },
    body: body?.raw,
  }).catch((error: unknown) => {
    throw new Error(`task-api did not answer ${method} ${path}; its last output:\n${api.tail()}`, {
      cause: error,
    });
  });
  const text = await response.text();
  const route = `${method} ${path.replace(/\/api\/tasks\/(?!export|import)[^/?]+/, '/api/tasks/{id}').split('?')[0]}`;
  const counts = seen.get(route) ?? new Map<number, number>();
  counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
  seen.set(route, counts);
  return { status: response.status, text };
}

/** Sends one request and checks the property; a 2xx may change the database, anything else may not. */
async function check(method: string, path: string, body?: { raw: string; type: string }, auth = true) {
  const before = await databaseDigest(database.db);
  const { status, text } = await call(method, path, body, auth);
  expect(
    status,
    `${method} ${path} ${body?.raw.slice(0, 200) ?? ''} → ${status} ${text.slice(0, 300)}`,
  ).toBeLessThan(500);
  if (status >= 400) {
    expect(
      await databaseDigest(database.db),
      `${method} ${path} answered ${status} but changed the database`,
    ).toBe(before);
    expect(text).not.toMatch(/at .*\.ts:\d+|stack|SELECT |relation "/i);
  }
}

beforeAll(async () => {
  postgres = await startPostgresServer();
  database = await postgres.database('fuzz_api');
  sidecar = await startLocalSidecar();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = await startFunction({
    source: join(repoRoot, 'functions', 'task-api', 'src', 'index.ts'),
    target: 'task-api',
    port,
    env: {
      DATABASE_URL: database.url,
      AUTH_JWT_SECRET: secret,
      RATE_LIMIT_PER_MINUTE: '1000000',
      DAPR_HTTP_PORT: String(sidecar.port),
      LOG_LEVEL: 'warn',
    },
  });
  token = await new SignJWT({ email: 'fuzz@example.com' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('fuzz-user')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
  for (let i = 0; i < 3; i += 1) {
    const created = await call('POST', '/api/tasks', {
      raw: JSON.stringify(validTask),
      type: 'application/json',
    });
    expect(created.status).toBe(201);
    taskIds.push((JSON.parse(created.text) as { id: string }).id);
  }
});

afterAll(async () => {
  console.log(
    [...seen]
      .map(([route, counts]) => `${route}: ${[...counts].map(([s, n]) => `${s}×${n}`).join(' ')}`)
      .join('\n'),
  );
  await api?.stop();
  await sidecar?.stop();
  await database?.drop();
  await postgres?.stop();
});

describe('task-api under random and mutated input', () => {
  it('POST /api/tasks never answers 5xx and a rejected body changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bodies(validTask), (body) => check('POST', '/api/tasks', body)),
      { numRuns: runs },
    );
    // The generators must reach both sides of the validator, or the property proves little.
    const statuses = [...(seen.get('POST /api/tasks')?.keys() ?? [])];
    expect(statuses).toContain(201);
    expect(statuses).toContain(400);
  });

  it('PATCH /api/tasks/{id} never answers 5xx and a rejected patch changes nothing', async () => {
    const patch = {
      title: 'Renamed',
      priority: 'low',
      due_at: '2027-04-01T08:00:00Z',
      tags: ['x'],
      reminders: [],
    };
    await fc.assert(
      fc.asyncProperty(ids(), bodies(patch), (id, body) => check('PATCH', `/api/tasks/${id}`, body)),
      { numRuns: runs },
    );
  });

  it('GET, DELETE, complete and reopen of any id never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'DELETE', 'POST complete', 'POST reopen'),
        ids(),
        async (action, id) => {
          // Real ids are kept for the other properties: only unknown ones are deleted here.
          if (action === 'DELETE' && taskIds.includes(id)) return;
          const [method, suffix] = action.split(' ');
          await check(method!, `/api/tasks/${id}${suffix ? `/${suffix}` : ''}`);
        },
      ),
      { numRuns: runs },
    );
  });

  it('GET /api/tasks with random query strings never answers 5xx', async () => {
    const keys = [
      'status',
      'priority',
      'tag',
      'q',
      'due_before',
      'due_after',
      'sort',
      'order',
      'limit',
      'cursor',
      'x',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 30 }), nasty.map(String))),
          {
            maxLength: 6,
          },
        ),
        (pairs) =>
          check(
            'GET',
            `/api/tasks?${new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v.slice(0, 2000)]))}`,
          ),
      ),
      { numRuns: runs },
    );
  });

  it('GET /api/tasks with forged cursors never answers 5xx', async () => {
    const sorts = ['due_at', 'priority', 'created_at', 'updated_at', 'title'] as const;
    const cursor = (fields: Record<string, unknown>) =>
      Buffer.from(JSON.stringify(fields)).toString('base64url');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sorts),
        fc.constantFrom('asc', 'desc'),
        fc.oneof(
          nasty,
          fc.string({ maxLength: 30 }),
          fc.constantFrom('2026-11-22 10:00:00+00', '3', 'infinity'),
        ),
        fc.oneof(fc.uuid(), fc.constantFrom(...taskIds), nasty),
        (sort, order, value, id) =>
          check(
            'GET',
            `/api/tasks?sort=${sort}&order=${order}&limit=1&cursor=${cursor({ sort, order, value, id })}`,
          ),
      ),
      { numRuns: runs },
    );
  });

  it('export, import and recurrence preview never answer 5xx and rejected input changes nothing', async () => {
    const exported = await call('GET', '/api/tasks/export?format=json');
    expect(exported.status).toBe(200);
    const validImport = JSON.parse(exported.text) as Record<string, unknown>;
    const preview = {
      rule: 'FREQ=DAILY',
      dtstart: '2026-03-28T09:00:00Z',
      timezone: 'Europe/Berlin',
      count: 5,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          bodies(validImport).map((body) => ['POST', '/api/tasks/import', body] as const),
          bodies(preview).map((body) => ['POST', '/api/recurrence/preview', body] as const),
          fc
            .string({ maxLength: 20 })
            .map((f) => ['GET', `/api/tasks/export?format=${encodeURIComponent(f)}`] as const),
        ),
        ([method, path, body]) => check(method, path, body),
      ),
      { numRuns: runs },
    );
  });

  it('requests with forged, expired or garbage tokens are 401 and change nothing', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('fuzz-user')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant(forged),
          fc.string({ maxLength: 300 }),
          fc.constant(`${token}x`),
          fc.constant(''),
        ),
        // Well-formed JSON only: functions-framework's body parser answers 400 to broken JSON before
        // any handler (and so before auth) runs — still a 4xx that changes nothing, checked above.
        mutated(validTask).map((body) => ({ raw: JSON.stringify(body), type: 'application/json' })),
        async (bad, body) => {
          const before = await databaseDigest(database.db);
          const response = await fetch(`${base}/api/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${bad}`, 'content-type': body.type },
            body: body.raw,
          });
          await response.arrayBuffer();
          expect(response.status).toBe(401);
          expect(await databaseDigest(database.db)).toBe(before);
        },
      ),
      { numRuns: Math.ceil(runs / 2) },
    );
  });
});
