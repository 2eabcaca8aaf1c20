import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import type { SinkMail } from '../src/smtp-sink.ts';
import { type LocalStack, startLocalStack } from '../src/stack.ts';
import { tempDataDir } from './dapr-fixture.ts';

// The real local stack, as `npm start` runs it: embedded PostgreSQL, the sidecar driven by the
// repository's dapr/ files (cron every 30 s), the four functions, mail capture. Only ports and
// the data folder differ.
let stack: LocalStack;
let dataDir: string;
const mails: SinkMail[] = [];
const output: string[] = [];

beforeAll(async () => {
  dataDir = await tempDataDir();
  const [taskApi, onTaskCompleted, onReminderDue, cronScan, sidecar, smtp, postgres, mailHttp] =
    await Promise.all(Array.from({ length: 8 }, () => freePort()));
  stack = await startLocalStack({
    dataDir,
    ports: {
      'task-api': taskApi!,
      'on-task-completed': onTaskCompleted!,
      'on-reminder-due': onReminderDue!,
      'cron-scan': cronScan!,
      sidecar: sidecar!,
      smtp: smtp!,
      postgres: postgres!,
      mailHttp: mailHttp!,
    },
    output: (line) => {
      output.push(line);
      if (process.env.TEST_LOG_LEVEL) console.log(line);
    },
    onMail: (mail) => mails.push(mail),
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${ms} ms\n${output.slice(-30).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm start', () => {
  it('mails a daily task’s reminder, and completing the task creates the next occurrence', async () => {
    const api = stack.urls['task-api'];
    const headers = { authorization: `Bearer ${stack.demoToken}`, 'content-type': 'application/json' };
    const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const created = await fetch(`${api}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        title: 'Water the plants',
        due_at: dueAt.toISOString(),
        timezone: 'Europe/Berlin',
        recurrence: { rule: 'daily', from: 'due' },
        reminders: [{ at: new Date(Date.now() + 3_000).toISOString() }],
      }),
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string };

    // The first cron tick comes 30 s after the sidecar started; the reminder is due by then.
    const mail = await until(
      'the reminder email',
      () => mails.find((m) => m.subject.includes('Water the plants')),
      45_000,
    );
    expect(mail.to).toEqual(['demo@example.com']);
    expect(await readFile(mail.file!, 'utf8')).toMatch(/^Message-ID: /m);
    expect(await (await fetch(stack.mailUrl!)).text()).toContain('Water the plants');
    const view = (await (await fetch(`${api}/api/tasks/${task.id}`, { headers })).json()) as {
      reminders: { status: string }[];
    };
    expect(view.reminders[0]!.status).toBe('sent');

    const completed = await fetch(`${api}/api/tasks/${task.id}/complete`, { method: 'POST', headers });
    expect(completed.status).toBe(200);
    const next = await until(
      'the next occurrence',
      async () => {
        const list = (await (await fetch(`${api}/api/tasks`, { headers })).json()) as {
          items: { id: string; parent_task_id: string | null; due_at: string; title: string }[];
        };
        return list.items.find((item) => item.parent_task_id === task.id);
      },
      10_000,
    );
    expect(next.title).toBe('Water the plants');
    expect(new Date(next.due_at).getTime() - dueAt.getTime()).toBe(86_400_000);

    const events = (await (
      await fetch(`${stack.urls.sidecar}/dev/events?topic=task-events&limit=100`)
    ).json()) as {
      events: { event: { type: string }; deliveries: Record<string, { status: string; path?: string }> }[];
    };
    const completion = events.events.find((entry) => entry.event.type === 'task.completed');
    expect(completion?.deliveries['on-task-completed/on-task-completed']).toMatchObject({
      status: 'delivered',
      path: '/task-completed',
    });
  }, 70_000);
});
