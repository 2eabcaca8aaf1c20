import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildEvent, sources } from '@nudge/core';
import {
  freePort,
  type NodeProcess,
  type PostgresServer,
  repoRoot,
  type ServerDatabase,
  type SmtpSink,
  spawnNode,
  startLocalSidecar,
  startPostgresServer,
  startSmtpSink,
  waitForHttp,
} from '@nudge/testing';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Property: whatever a subscriber is handed — random bytes, CloudEvents in binary or structured
 * mode with any attribute or payload field mutated, events about tasks and reminders that do not
 * exist — it answers 200 with SUCCESS or DROP (never a 5xx, never a RETRY that would loop), and
 * the domain tables stay exactly as they were. (A well-formed event may leave its own dedupe row
 * in processed_events: that is the record that it was handled.)
 */

const runs = Number(process.env.FUZZ_RUNS ?? 120);

let postgres: PostgresServer;
let database: ServerDatabase;
let sink: SmtpSink;
let sidecar: Awaited<ReturnType<typeof startLocalSidecar>>;
const functions: NodeProcess[] = [];
const urls: Record<string, string> = {};
let recurringTaskId: string;

async function domainDigest(): Promise<string> {
  const { rows } = await sql<{ digest: string }>`
    select md5(
      (select coalesce(string_agg(t::text, '|' order by t::text), '') from tasks t) ||
      (select coalesce(string_agg(r::text, '|' order by r::text), '') from reminders r) ||
      (select coalesce(string_agg(o.event_id::text, '|' order by o.id), '') from outbox o) ||
      (select coalesce(string_agg(u::text, '|' order by u::text), '') from users u)) as digest`.execute(
    database.db,
  );
  return rows[0]!.digest;
}

beforeAll(async () => {
  postgres = await startPostgresServer();
  database = await postgres.database('fuzz_events');
  sink = await startSmtpSink();
  sidecar = await startLocalSidecar();
  await sql`insert into users (id, email) values ('fuzz-user', 'fuzz@example.com')`.execute(database.db);
  const { rows } = await sql<{ id: string }>`
    insert into tasks (user_id, title, status, completed_at, due_at, timezone, recurrence_rule, recurrence_from)
    values ('fuzz-user', 'Recurring', 'completed', now(), now(), 'Europe/Berlin', 'RRULE:FREQ=DAILY', 'due')
    returning id`.execute(database.db);
  recurringTaskId = rows[0]!.id;
  for (const name of ['on-task-completed', 'on-reminder-due']) {
    const port = await freePort();
    const fn = await spawnNode(join(repoRoot, 'functions', name, 'src', 'main.ts'), [], {
      cwd: repoRoot,
      env: {
        DATABASE_URL: database.url,
        PORT: String(port),
        DAPR_HTTP_PORT: String(sidecar.port),
        SMTP_URL: sink.url,
        LOG_LEVEL: 'error',
      },
    });
    functions.push(fn);
    urls[name] = `http://127.0.0.1:${port}`;
    await waitForHttp(`${urls[name]}/healthz`);
  }
});

afterAll(async () => {
  for (const fn of functions) await fn.stop();
  await sidecar?.stop();
  await sink?.stop();
  await database?.drop();
  await postgres?.stop();
});

const nasty = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    null,
    '',
    '\u0000',
    -1,
    1e308,
    'x'.repeat(5_000),
    '2026-02-30T25:00:00Z',
    'Mars/Base',
    [],
    {},
  ),
);

/** A valid event of `type` for handler `name`, about a task or reminder that does not exist. */
function validEvent(type: 'task.completed' | 'reminder.due', taskId: string = randomUUID()) {
  const now = new Date();
  const payload =
    type === 'task.completed'
      ? {
          task_id: taskId,
          completed_at: now.toISOString(),
          due_at: now.toISOString(),
          timezone: 'Europe/Berlin',
          recurrence: { rule: 'RRULE:FREQ=DAILY', from: 'due' },
          series_id: taskId,
          series_anchor_at: now.toISOString(),
          series_index: 1,
        }
      : { task_id: taskId, reminder_id: randomUUID(), reminder_time: now.toISOString() };
  return buildEvent({
    type,
    source: type === 'task.completed' ? sources.taskApi : sources.cronScan,
    userId: 'fuzz-user',
    subject: taskId,
    payload,
    time: now,
  }).event as unknown as Record<string, unknown>;
}

/** The event with one attribute, data field or payload field replaced, removed or added. */
function mutatedEvent(base: Record<string, unknown>) {
  const data = base.data as Record<string, unknown>;
  const payload = data.payload as Record<string, unknown>;
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...Object.keys(base)), value: nasty })
      .map(({ key, value }) => ({ ...base, [key]: value })),
    fc.constantFrom(...Object.keys(base)).map((key) => {
      const copy = { ...base };
      delete copy[key];
      return copy;
    }),
    fc
      .record({ key: fc.constantFrom(...Object.keys(data)), value: nasty })
      .map(({ key, value }) => ({ ...base, data: { ...data, [key]: value } })),
    fc
      .record({ key: fc.constantFrom(...Object.keys(payload)), value: nasty })
      .map(({ key, value }) => ({ ...base, data: { ...data, payload: { ...payload, [key]: value } } })),
    fc.constant(base),
  );
}

/** A delivery as Dapr makes it: structured (application/cloudevents+json) or binary (ce-* headers). */
function delivery(
  event: Record<string, unknown>,
  binary: boolean,
): { headers: Record<string, string>; body: string } {
  if (!binary)
    return { headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [key, value] of Object.entries(event)) {
    if (key === 'data' || key === 'datacontenttype') continue;
    headers[`ce-${key}`] = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  }
  return { headers, body: JSON.stringify(event.data) ?? '' };
}

async function check(fn: string, path: string, request: { headers: Record<string, string>; body: string }) {
  const before = await domainDigest();
  // Header values must be ByteStrings: a mutated value that is not one cannot reach the server at all.
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, v.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 4_000)]),
  );
  const response = await fetch(`${urls[fn]}${path}`, { method: 'POST', headers, body: request.body });
  const text = await response.text();
  const context = `${fn}${path} ${request.body.slice(0, 300)} → ${response.status} ${text.slice(0, 200)}`;
  expect(response.status, context).toBe(200);
  expect(['SUCCESS', 'DROP'], context).toContain((JSON.parse(text) as { status: string }).status);
  expect(await domainDigest(), `${context}: changed the database`).toBe(before);
}

describe('event handlers under random and mutated deliveries', () => {
  for (const [fn, type, path] of [
    ['on-task-completed', 'task.completed', '/task-completed'],
    ['on-reminder-due', 'reminder.due', '/reminder-due'],
  ] as const) {
    it(`${fn} answers SUCCESS or DROP, never 5xx, and changes nothing for mutated ${type} events`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.constant(null).chain(() => mutatedEvent(validEvent(type))),
          (binary, event) => check(fn, path, delivery(event, binary)),
        ),
        { numRuns: runs },
      );
    });

    it(`${fn} drops random bodies and unknown event types without a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc
              .string({ maxLength: 300 })
              .map((body) => ({ headers: { 'content-type': 'application/cloudevents+json' }, body })),
            nasty.map((value) => ({
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(value) ?? '',
            })),
            fc.constantFrom('task.created', 'reminder.scheduled', 'x.y').map((other) => ({
              headers: { 'content-type': 'application/cloudevents+json' },
              body: JSON.stringify({ ...validEvent(type), type: other }),
            })),
          ),
          fc.constantFrom(path, '/unhandled'),
          (request, target) => check(fn, target, request),
        ),
        { numRuns: runs },
      );
    });
  }

  it('on-task-completed drops an event for a real recurring task whose rule or zone is broken, writing nothing', async () => {
    const base = validEvent('task.completed', recurringTaskId);
    const data = base.data as { payload: Record<string, unknown> };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rule: fc.constantFrom(
            'FREQ=SECONDLY',
            'banana',
            'FREQ=DAILY;INTERVAL=0',
            'FREQ=DAILY;DTSTART=20260101',
            '\u0000',
          ),
          timezone: fc.constantFrom('Europe/Berlin', 'Mars/Base', '+02:00'),
          binary: fc.boolean(),
        }),
        ({ rule, timezone, binary }) => {
          const event = {
            ...base,
            id: randomUUID(),
            data: { ...data, payload: { ...data.payload, recurrence: { rule, from: 'due' }, timezone } },
          };
          (event.data as Record<string, unknown>).event_id = event.id;
          return check('on-task-completed', '/task-completed', delivery(event, binary));
        },
      ),
      { numRuns: Math.ceil(runs / 3) },
    );
  });
});
