import { fileURLToPath } from 'node:url';
import { buildEvent, sources } from '@nudge/core';
import {
  createTestDatabase,
  deliverEvent,
  type LocalSidecar,
  type SmtpSink,
  type SpawnedFunction,
  spawnFunction,
  startLocalSidecar,
  startSmtpSink,
  type TestDatabase,
} from '@nudge/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secret, token } from './harness.ts';

// The real processes: two task-api replicas sharing one database, and the two subscribers that
// write to it asynchronously. A stream on either replica hears every commit, whoever made it.
let database: TestDatabase;
let sidecar: LocalSidecar;
let smtp: SmtpSink;
let replicas: SpawnedFunction[];
let onTaskCompleted: SpawnedFunction;
let onReminderDue: SpawnedFunction;

const main = (workspace: string) => fileURLToPath(new URL(`../../${workspace}/src/main.ts`, import.meta.url));

beforeAll(async () => {
  database = await createTestDatabase();
  [sidecar, smtp] = await Promise.all([startLocalSidecar(), startSmtpSink()]);
  const env = { DATABASE_URL: database.url, DAPR_HTTP_PORT: String(sidecar.port), LOG_LEVEL: 'error' };
  const apiEnv = { ...env, AUTH_JWT_SECRET: secret };
  [replicas, onTaskCompleted, onReminderDue] = await Promise.all([
    Promise.all([spawnFunction(main('task-api'), apiEnv), spawnFunction(main('task-api'), apiEnv)]),
    spawnFunction(main('on-task-completed'), env),
    spawnFunction(main('on-reminder-due'), {
      ...env,
      SMTP_URL: smtp.url,
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([...(replicas ?? []), onTaskCompleted, onReminderDue].map((fn) => fn?.terminate()));
  await smtp?.stop();
  await sidecar?.stop();
  await database?.drop();
});

/** An open SSE connection over real HTTP; `next` resolves the cursor of the next `changed` event. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const stream = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(ms = 5_000): Promise<string> {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = /id: (\S+)\nevent: changed\n/.exec(buffer);
        if (match) {
          buffer = buffer.slice(match.index + match[0].length);
          return match[1]!;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no changed event within ${ms} ms; got ${JSON.stringify(buffer)}`);
        const read = await Promise.race([
          stream.read(),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), left)),
        ]);
        if (read?.done) throw new Error('stream ended');
        if (read) buffer += decoder.decode(read.value);
      }
    },
    close: () => controller.abort(),
  };
}

type Stream = Awaited<ReturnType<typeof openStream>>;

const call = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token('ann')}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

/**
 * Waits for pushes on `stream` until the feed since `cursor` holds a change matching `wanted`
 * (several commits may arrive as one push, or as several); resolves the latest cursor.
 */
async function pushedUntil(stream: Stream, url: string, cursor: string, wanted: (change: any) => boolean) {
  for (;;) {
    await stream.next();
    const { body } = await call(url, 'GET', `/api/sync?cursor=${cursor}`);
    if (body.changes.some(wanted)) return body.cursor as string;
  }
}

it('pushes to streams on both replicas for a next occurrence (on-task-completed) and a reminder sent (on-reminder-due)', async () => {
  const [a, b] = replicas as [SpawnedFunction, SpawnedFunction];
  const start = (await call(a.url, 'GET', '/api/sync')).body.cursor as string;
  const { body: ticket } = await call(b.url, 'POST', '/api/stream/ticket');
  const onA = await openStream(`${a.url}/api/stream`, { authorization: `Bearer ${await token('ann')}` });
  const onB = await openStream(`${b.url}/api/stream?ticket=${ticket.ticket}`);
  try {
    const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const created = await call(a.url, 'POST', '/api/tasks', {
      title: 'Water the plants',
      due_at: dueAt.toISOString(),
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'daily', from: 'due' },
      reminders: [{ before: 'PT30M' }],
    });
    expect(created.status).toBe(201);
    const task = created.body;
    const isTask = (change: any) => change.task?.id === task.id;
    const afterCreate = await pushedUntil(onA, a.url, start, isTask);
    await pushedUntil(onB, b.url, start, isTask);

    // on-reminder-due sends the reminder and marks it sent: both replicas push.
    const reminder = task.reminders[0];
    const due = buildEvent({
      type: 'reminder.due',
      source: sources.cronScan,
      userId: 'ann',
      subject: task.id,
      time: new Date(),
      payload: { task_id: task.id, reminder_id: reminder.id, reminder_time: reminder.remind_at },
    });
    const delivered = await deliverEvent(`${onReminderDue.url}/reminder-due`, due.event, 'structured', {
      topic: 'reminders',
    });
    expect(delivered.body).toEqual({ status: 'SUCCESS' });
    const isSent = (change: any) => isTask(change) && change.task.reminders[0]?.status === 'sent';
    const afterSent = await pushedUntil(onA, a.url, afterCreate, isSent);
    await pushedUntil(onB, b.url, afterCreate, isSent);

    // Completing on replica B; then on-task-completed writes the next occurrence: both replicas push it.
    expect((await call(b.url, 'POST', `/api/tasks/${task.id}/complete`)).status).toBe(200);
    const completed = await database.db
      .selectFrom('outbox')
      .select('cloud_event')
      .where('event_type', '=', 'task.completed')
      .executeTakeFirstOrThrow();
    const answer = await deliverEvent(
      `${onTaskCompleted.url}/task-completed`,
      completed.cloud_event,
      'structured',
    );
    expect(answer.body).toEqual({ status: 'SUCCESS' });
    const isNext = (change: any) => change.task?.parent_task_id === task.id;
    await pushedUntil(onA, a.url, afterSent, isNext);
    await pushedUntil(onB, b.url, afterSent, isNext);
  } finally {
    onA.close();
    onB.close();
  }
}, 30_000);
