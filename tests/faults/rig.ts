import type { Db } from '@nudge/core';
import {
  benchEmail,
  benchUserCount,
  type PostgresServer,
  reminderMessageId,
  type ServerDatabase,
  type SinkFaults,
  type SmtpSink,
  seedUsers,
  startPostgresServer,
  startSmtpSink,
  startTestStack,
  type TestStack,
} from '@nudge/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { expect } from 'vitest';

/** Load per fault test; the issue's 2,000 is scaled down so `npm run test:faults` fits CI (FAULT_LOAD overrides). */
export const faultLoad = Number(process.env.FAULT_LOAD ?? 300);
/** Outage length in seconds; the issue's 60–90 s (5 min for the scanner) are shortened for CI (FAULT_OUTAGE_S overrides). */
export const outageSeconds = Number(process.env.FAULT_OUTAGE_S ?? 15);

/** The whole local stack on its own PostgreSQL server and SMTP sink, for one test file. */
export interface Rig {
  postgres: PostgresServer;
  database: ServerDatabase;
  db: Db;
  sink: SmtpSink;
  stack: TestStack;
  /** Calls task-api as a bench user, retrying while task-api is down (as a real client would). */
  call(
    method: string,
    path: string,
    user: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export async function startRig(
  options: { brokerProxy?: boolean; faults?: SinkFaults; env?: Record<string, string> } = {},
): Promise<Rig> {
  const postgres = await startPostgresServer();
  const database = await postgres.database('faults');
  const sink = await startSmtpSink({ faults: options.faults });
  const stack = await startTestStack({
    databaseUrl: database.url,
    smtpUrl: sink.url,
    brokerProxy: options.brokerProxy,
    env: { RATE_LIMIT_PER_MINUTE: '1000000000', ...options.env },
  });
  await seedUsers(database.db);
  const secret = new TextEncoder().encode(stack.jwtSecret);
  const tokens = new Map<string, string>();
  const tokenFor = async (user: string) => {
    let token = tokens.get(user);
    if (!token) {
      const n = Number(user.replace('bench-', ''));
      token = await new SignJWT({ email: benchEmail(n) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(secret);
      tokens.set(user, token);
    }
    return token;
  };
  return {
    postgres,
    database,
    db: database.db,
    sink,
    stack,
    async call(method, path, user, body) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const response = await fetch(`${stack.urls['task-api']}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${await tokenFor(user)}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await response.text();
          if (response.status < 500) return { status: response.status, body: text ? JSON.parse(text) : null };
        } catch {
          // task-api is down or restarting: try again
        }
        if (Date.now() > deadline) throw new Error(`${method} ${path} kept failing for 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      await stack.stop();
      await sink.stop();
      await database.drop();
      await postgres.stop();
    },
  };
}

/** `count` daily series (first occurrence due yesterday), users round-robin. */
export async function seedRecurringTasks(
  db: Db,
  count: number,
): Promise<Array<{ id: string; user_id: string }>> {
  const { rows } = await sql<{ id: string; user_id: string }>`
    insert into tasks (user_id, title, due_at, timezone, recurrence_rule, recurrence_from, series_anchor_at)
    select 'bench-' || (n % ${benchUserCount}::int), 'Water the plants #' || n,
           date_trunc('day', now() - interval '1 day') + interval '7 hours', 'Europe/Berlin',
           'RRULE:FREQ=DAILY', 'due', date_trunc('day', now() - interval '1 day') + interval '7 hours'
    from generate_series(1, ${count}::int) as n
    returning id, user_id`.execute(db);
  await sql`update tasks set series_id = id where series_id is null`.execute(db);
  return rows;
}

/** `count` pending reminders (one per open task) due at random instants in [fromMs, fromMs + spreadMs) from now. */
export async function seedReminders(db: Db, count: number, fromMs: number, spreadMs: number) {
  const start = Date.now() + fromMs;
  const { rows } = await sql<{ id: string; remind_at: Date }>`
    with t as (
      insert into tasks (user_id, title, due_at)
      select 'bench-' || (n % ${benchUserCount}::int), 'Call the dentist #' || n, now() + interval '1 day'
      from generate_series(1, ${count}::int) as n
      returning id, user_id)
    insert into reminders (task_id, user_id, remind_at)
    select id, user_id, to_timestamp((${start}::float8 + random() * ${spreadMs}::float8) / 1000) from t
    returning id, remind_at`.execute(db);
  return new Map(rows.map((row) => [row.id, row.remind_at.getTime()]));
}

/** Completes every task through task-api, `concurrency` at a time, spread over about `spreadMs`. */
export async function completeAll(
  rig: Rig,
  tasks: ReadonlyArray<{ id: string; user_id: string }>,
  options: { concurrency: number; spreadMs: number },
): Promise<void> {
  let next = 0;
  const pause = (options.spreadMs * options.concurrency) / Math.max(1, tasks.length);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const { status } = await rig.call('POST', `/api/tasks/${task.id}/complete`, task.user_id);
        expect(status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }),
  );
}

/** Polls until `check` returns true, or fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number, rig?: Rig) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${timeoutMs / 1000} s${rig ? `\n${rig.stack.tail(80)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Waits until the outbox has no unpublished row left (cron-scan's relay pass retries every 30 s). */
export async function eventuallyOutboxPublished(rig: Rig, timeoutMs: number) {
  await eventually(
    'outbox fully published',
    async () =>
      (await rig.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute()).length ===
      0,
    timeoutMs,
    rig,
  );
}

export async function nextOccurrenceCounts(db: Db, parents: readonly string[]) {
  const { rows } = await sql<{ children: number; parents: number }>`
    select count(*)::int as children, count(distinct parent_task_id)::int as parents
    from tasks where parent_task_id = any(${parents}::uuid[])`.execute(db);
  return rows[0]!;
}

/** Every completion has exactly one next occurrence (the unique index allows at most one; this checks at least one). */
export async function expectExactlyOneNextOccurrence(db: Db, parents: readonly string[]) {
  expect(await nextOccurrenceCounts(db, parents)).toEqual({
    children: parents.length,
    parents: parents.length,
  });
}

/** Distinct reminders whose email the sink accepted, and resends of an already accepted Message-ID. */
export function mailCounts(sink: SmtpSink, reminderIds: Iterable<string>) {
  const ids = new Set([...reminderIds].map(reminderMessageId));
  return {
    delivered: [...ids].filter((id) => sink.accepted.has(id)).length,
    resent: sink.duplicates.filter((mail) => ids.has(mail.messageId)).length,
  };
}

/** Every outbox event is marked published and is in the broker's durable log. */
export async function expectOutboxPublished(rig: Rig) {
  const rows = await rig.db.selectFrom('outbox').select(['event_id', 'topic', 'published_at']).execute();
  expect(rows.filter((row) => row.published_at === null)).toEqual([]);
  for (const topic of ['task-events', 'reminders']) {
    const logged = new Set((await rig.stack.topic(topic)).map((record) => record.event.id));
    const missing = rows.filter((row) => row.topic === topic && !logged.has(row.event_id));
    expect(missing, `${topic}: outbox events missing from the broker log`).toEqual([]);
  }
}

/** Each user's events reached the broker in commit (outbox id) order. */
export async function expectPerUserOrder(rig: Rig) {
  const rows = await rig.db.selectFrom('outbox').select(['id', 'event_id', 'user_id', 'topic']).execute();
  const commitOrder = new Map(rows.map((row) => [row.event_id, row.id]));
  for (const topic of ['task-events', 'reminders']) {
    const lastSeen = new Map<string, number>();
    const seen = new Set<string>();
    for (const record of await rig.stack.topic(topic)) {
      // A redelivered event (at least once) repeats an earlier one; order is about first appearances.
      if (seen.has(record.event.id) || !commitOrder.has(record.event.id)) continue;
      seen.add(record.event.id);
      const id = commitOrder.get(record.event.id)!;
      const user = record.key ?? '';
      expect(id, `${topic}: ${user}'s events out of commit order`).toBeGreaterThan(lastSeen.get(user) ?? 0);
      lastSeen.set(user, id);
    }
  }
}
