import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  createLogger,
  createMetrics,
  type NudgeCloudEvent,
  systemClock,
  taskCompletedPayload,
} from '@nudge/core';
import { handleTaskCompleted } from '@nudge/on-task-completed/handler';
import { manualClock } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, outbox, startApi, token } from './harness.ts';

const issuer = 'https://auth.nudge.test';
const clock = manualClock('2026-11-23T10:00:00.000Z'); // a Monday
let api: Api;
let server: Server;
let base: string;
const clients: Client[] = [];

async function serve(app: Api['app']): Promise<{ server: Server; base: string }> {
  const listening = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { server: listening, base: `http://127.0.0.1:${(listening.address() as AddressInfo).port}` };
}

/** The SDK's own client, over real HTTP, signed in as `sub`. */
async function connect(sub: string, url = base): Promise<Client> {
  const client = new Client({ name: 'nudge-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${await token(sub, { iss: issuer })}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  return { ...result, text, data: result.structuredContent as any };
}

let alice: Client;
let bob: Client;

beforeAll(async () => {
  api = await startApi({ clock, env: { AUTH_ISSUER: issuer, CORS_ORIGINS: 'https://app.nudge.test' } });
  ({ server, base } = await serve(api.app));
  alice = await connect('alice');
  bob = await connect('bob');
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

describe('MCP endpoint: transport and auth', () => {
  it('lists every tool with a description, an input and an output schema', async () => {
    const { tools } = await alice.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'add_task',
      'complete_task',
      'delete_task',
      'find_tasks',
      'get_overview',
      'preview_recurrence',
      'quick_add',
      'reopen_task',
      'reschedule_task',
      'update_task',
    ]);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
    const add = tools.find((tool) => tool.name === 'add_task')!;
    expect(add.inputSchema.required).toEqual(['title']);
    expect((add.inputSchema.properties as any).due_at.description).toMatch(/RFC 3339/);
  });

  it('answers 401 with WWW-Authenticate naming the protected-resource metadata, which names the issuer', async () => {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    };
    const missing = await fetch(`${base}/mcp`, init);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"`,
    );
    const bad = await fetch(`${base}/mcp`, {
      ...init,
      headers: {
        ...init.headers,
        authorization: `Bearer ${await token('alice', { iss: 'https://evil.test' })}`,
      },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(bad.headers.get('www-authenticate')).toContain('resource_metadata=');

    const metadata = await fetch(`${base}/.well-known/oauth-protected-resource`);
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({
      resource: base,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
    });
  });

  it('refuses to connect without a token through the SDK client too', async () => {
    const client = new Client({ name: 'anonymous', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))).rejects.toThrow();
  });

  it('is stateless: GET and DELETE answer 405 with Allow: POST', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${base}/mcp`, {
        method,
        headers: {
          authorization: `Bearer ${await token('alice', { iss: issuer })}`,
          accept: 'text/event-stream',
        },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('answers a body that is not JSON-RPC with a 4xx, never a 5xx', async () => {
    const headers = {
      authorization: `Bearer ${await token('alice', { iss: issuer })}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    for (const body of [null, '{"hello":"world"}', '{"jsonrpc": ']) {
      const response = await fetch(`${base}/mcp`, { method: 'POST', headers, body });
      expect(response.status, String(body)).toBeGreaterThanOrEqual(400);
      expect(response.status, String(body)).toBeLessThan(500);
    }
  });

  it('refuses a browser Origin outside CORS_ORIGINS (DNS rebinding) and accepts a configured one', async () => {
    const request = async (origin: string) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          origin,
          authorization: `Bearer ${await token('alice', { iss: issuer })}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    expect((await request('http://rebound.attacker.test')).status).toBe(403);
    const allowed = await request('https://app.nudge.test');
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    // A browser client's preflight: MCP sends Mcp-Protocol-Version after initialize.
    const preflight = await fetch(`${base}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.nudge.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Mcp-Protocol-Version/);
  });
});

describe('MCP tools', () => {
  it('add_task creates a task through core, with the same events as POST /api/tasks, and kicks the relay', async () => {
    const kicks = api.kicks.count;
    const before = (await outbox(api.db)).length;
    const result = await call(alice, 'add_task', {
      title: 'Pay rent',
      due_at: '2026-12-01T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      priority: 'high',
      tags: ['home'],
      reminders: [{ before: 'P1D' }],
    });
    expect(result.isError).toBeFalsy();
    expect(result.data.task).toMatchObject({
      title: 'Pay rent',
      due_at: '2026-12-01T08:00:00.000Z',
      priority: 'high',
      tags: ['home'],
      reminders: [{ before: 'P1D', remind_at: '2026-11-30T08:00:00.000Z', status: 'pending' }],
    });
    expect(result.text).toContain('"Pay rent"');
    expect(result.text).toContain(result.data.task.id);
    expect(api.kicks.count).toBe(kicks + 1);
    const events = (await outbox(api.db)).slice(before);
    expect(events.map((e) => [e.event_type, e.user_id])).toEqual([
      ['task.created', 'alice'],
      ['reminder.scheduled', 'alice'],
    ]);
  });

  it('add_task errors name the field, as a tool error and not an HTTP failure', async () => {
    const empty = await call(alice, 'add_task', { title: '' });
    expect(empty.isError).toBe(true);
    expect(empty.text).toMatch(/title/);
    const orphan = await call(alice, 'add_task', { title: 'x', recurrence: { rule: 'daily' } });
    expect(orphan.isError).toBe(true);
    expect(orphan.text).toBe('Invalid input — due_at: a recurring task needs due_at');
    const badRule = await call(alice, 'add_task', {
      title: 'x',
      due_at: '2026-12-01T09:00:00Z',
      recurrence: { rule: 'sometimes' },
    });
    expect(badRule.isError).toBe(true);
    expect(badRule.text).toMatch(/recurrence\.rule|rule/);
  });

  it('finds tasks by text, tag and priority, and a task by a title fragment', async () => {
    await call(alice, 'add_task', { title: 'Call the dentist', tags: ['health'], priority: 'low' });
    const byTag = await call(alice, 'find_tasks', { tags: ['health'] });
    expect(byTag.data.tasks.map((t: any) => t.title)).toEqual(['Call the dentist']);
    const byPriority = await call(alice, 'find_tasks', { priority: ['high'] });
    expect(byPriority.data.tasks.map((t: any) => t.title)).toEqual(['Pay rent']);
    const byText = await call(alice, 'find_tasks', { text: 'DENTIST' });
    expect(byText.data).toMatchObject({ tasks: [{ title: 'Call the dentist' }], next_cursor: null });
    const none = await call(alice, 'find_tasks', { text: 'nothing like this' });
    expect(none).toMatchObject({ text: 'No tasks match.', data: { tasks: [] } });
    const bad = await call(alice, 'find_tasks', { due_before: 'tomorrow' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/due_before/);
  });

  it('update_task changes fields of a task named by fragment; ambiguous and unknown references say what to do', async () => {
    const updated = await call(alice, 'update_task', {
      task: 'dentist',
      priority: 'urgent',
      tags: ['health', 'call'],
    });
    expect(updated.data.task).toMatchObject({
      title: 'Call the dentist',
      priority: 'urgent',
      tags: ['health', 'call'],
    });

    const first = await call(alice, 'add_task', { title: 'Report: draft' });
    const second = await call(alice, 'add_task', { title: 'Report: review', due_at: '2026-11-25T12:00:00Z' });
    const ambiguous = await call(alice, 'update_task', { task: 'report', priority: 'high' });
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.text).toContain('matches 2 open tasks');
    expect(ambiguous.text).toContain(first.data.task.id);
    expect(ambiguous.text).toContain(
      `${second.data.task.id} "Report: review" (open, due 2026-11-25T12:00:00.000Z)`,
    );
    const exact = await call(alice, 'update_task', { task: 'report: draft', description: 'two pages' });
    expect(exact.data.task).toMatchObject({ id: first.data.task.id, description: 'two pages' });

    const unknown = await call(alice, 'update_task', { task: 'quarterly taxes', priority: 'low' });
    expect(unknown).toMatchObject({ isError: true });
    expect(unknown.text).toContain('no task matches "quarterly taxes"');
    const nothing = await call(alice, 'update_task', { task: first.data.task.id });
    expect(nothing.isError).toBe(true);
    expect(nothing.text).toMatch(/at least one field/);
  });

  it('reschedule_task moves the due date with its reminders, or skips a recurring task to its next occurrence', async () => {
    const moved = await call(alice, 'reschedule_task', {
      task: 'pay rent',
      due_at: '2026-12-02T09:00:00+01:00',
    });
    expect(moved.data.task).toMatchObject({
      due_at: '2026-12-02T08:00:00.000Z',
      reminders: [{ before: 'P1D', remind_at: '2026-12-01T08:00:00.000Z' }],
    });

    const weekly = await call(alice, 'add_task', {
      title: 'Water the plants',
      due_at: '2026-11-24T18:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'weekly' },
      reminders: [{ before: 'PT1H' }],
    });
    const skipped = await call(alice, 'reschedule_task', { task: weekly.data.task.id, skip: true });
    expect(skipped.data.task).toMatchObject({
      id: weekly.data.task.id,
      status: 'open',
      due_at: '2026-12-01T17:00:00.000Z',
      reminders: [{ before: 'PT1H', remind_at: '2026-12-01T16:00:00.000Z', status: 'pending' }],
    });
    expect(skipped.text).toMatch(/^Skipped to the next occurrence/);

    const notRecurring = await call(alice, 'reschedule_task', { task: 'pay rent', skip: true });
    expect(notRecurring.isError).toBe(true);
    expect(notRecurring.text).toMatch(/skip: only a recurring task/);
    const neither = await call(alice, 'reschedule_task', { task: 'pay rent' });
    expect(neither.text).toMatch(/exactly one of due_at or skip/);
  });

  it('complete_task on a recurring task leads to its next occurrence once on-task-completed handles the event', async () => {
    const daily = await call(alice, 'add_task', {
      title: 'Stretch',
      due_at: '2026-11-23T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'daily' },
    });
    const completed = await call(alice, 'complete_task', { task: 'stretch' });
    expect(completed.data.task).toMatchObject({
      status: 'completed',
      completed_at: clock.now().toISOString(),
    });
    expect(completed.text).toMatch(/next occurrence/);

    const row = (await outbox(api.db)).findLast(
      (e) => e.event_type === 'task.completed' && e.event.subject === daily.data.task.id,
    )!;
    const event = row.event as NudgeCloudEvent;
    const outcome = await handleTaskCompleted(
      { ...event, data: { ...event.data, payload: taskCompletedPayload.parse(event.data.payload) } } as any,
      {
        db: api.db,
        relay: { kick() {} },
        clock: systemClock,
        metrics: createMetrics('on-task-completed'),
        logger: createLogger('on-task-completed', 'silent'),
      },
    );
    expect(outcome).toEqual({ status: 'SUCCESS' });
    const open = await call(alice, 'find_tasks', { text: 'stretch' });
    expect(open.data.tasks).toMatchObject([
      {
        title: 'Stretch',
        status: 'open',
        due_at: '2026-11-24T08:00:00.000Z',
        parent_task_id: daily.data.task.id,
      },
    ]);

    const again = await call(alice, 'complete_task', { task: daily.data.task.id });
    expect(again.text).toContain('already completed');
  });

  it('reopen_task looks among completed tasks first; delete_task removes a task for good', async () => {
    const reopened = await call(alice, 'reopen_task', { task: 'dentist' });
    expect(reopened.isError).toBeFalsy(); // the open one: reopening it changes nothing
    await call(alice, 'complete_task', { task: 'dentist' });
    const back = await call(alice, 'reopen_task', { task: 'dentist' });
    expect(back.data.task).toMatchObject({ title: 'Call the dentist', status: 'open', completed_at: null });

    const before = (await outbox(api.db)).length;
    const deleted = await call(alice, 'delete_task', { task: 'dentist' });
    expect(deleted.data).toEqual({ deleted: { id: back.data.task.id, title: 'Call the dentist' } });
    expect((await outbox(api.db)).slice(before).map((e) => e.event_type)).toContain('task.deleted');
    const gone = await call(alice, 'delete_task', { task: back.data.task.id });
    expect(gone.isError).toBe(true);
    expect(gone.text).toBe('task not found. Check the id, or search with find_tasks.');
  });

  it('get_overview sorts open tasks into overdue, today and the next 7 days in the given zone, with projected occurrences', async () => {
    await call(alice, 'add_task', { title: 'Overdue bill', due_at: '2026-11-20T09:00:00Z' });
    await call(alice, 'add_task', { title: 'Late lunch', due_at: '2026-11-23T22:30:00Z' }); // today in New York
    await call(alice, 'add_task', { title: 'Far away', due_at: '2027-01-15T09:00:00Z' });
    const overview = await call(alice, 'get_overview', { timezone: 'America/New_York' });
    expect(overview.isError).toBeFalsy();
    const titles = (list: any[]) => list.map((t) => t.title);
    expect(titles(overview.data.overdue)).toEqual(['Overdue bill']);
    expect(titles(overview.data.today)).toEqual(['Late lunch']);
    // Water the plants (skipped to 1 Dec 18:00 Berlin) falls after the window's end, 1 Dec 00:00 New York.
    expect(titles(overview.data.next_7_days)).toEqual(['Stretch', 'Report: review']);
    expect(overview.data.counts).toMatchObject({ overdue: 1, today: 1, next_7_days: 2, projected: 6 });
    // Stretch (daily, next on the 24th) projects the 25th–30th within the window that ends 1 Dec 00:00 New York.
    const stretch = overview.data.projected
      .filter((p: any) => p.title === 'Stretch')
      .map((p: any) => p.due_at);
    expect(stretch).toEqual([
      '2026-11-25T08:00:00.000Z',
      '2026-11-26T08:00:00.000Z',
      '2026-11-27T08:00:00.000Z',
      '2026-11-28T08:00:00.000Z',
      '2026-11-29T08:00:00.000Z',
      '2026-11-30T08:00:00.000Z',
    ]);
    expect(overview.text).toMatch(/^1 overdue, 1 due today, 2 in the next 7 days, 6 upcoming/);
    expect(overview.text).not.toContain('Far away');
  });

  it('preview_recurrence keeps the local time across DST and writes nothing', async () => {
    const before = (await outbox(api.db)).length;
    const preview = await call(alice, 'preview_recurrence', {
      rule: 'daily',
      due_at: '2026-03-28T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      count: 3,
    });
    expect(preview.data).toEqual({
      rule: 'RRULE:FREQ=DAILY',
      timezone: 'Europe/Berlin',
      occurrences: ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    });
    expect((await outbox(api.db)).length).toBe(before);
    const bad = await call(alice, 'preview_recurrence', {
      rule: 'FREQ=SOMETIMES',
      due_at: '2026-03-28T09:00:00Z',
    });
    expect(bad.isError).toBe(true);
  });
});

describe('MCP quick_add', () => {
  it('creates the same task as POST /api/tasks/quick', async () => {
    const dave = await connect('dave');
    const text = 'Submit report friday 5pm remind me 1 day before';
    const result = await call(dave, 'quick_add', { text, timezone: 'Europe/Berlin' });
    expect(result.isError).toBeFalsy();
    expect(result.data.task).toMatchObject({
      title: 'Submit report',
      due_at: '2026-11-27T16:00:00.000Z',
      timezone: 'Europe/Berlin',
      reminders: [{ before: 'P1D', remind_at: '2026-11-26T16:00:00.000Z', status: 'pending' }],
    });
    expect(result.data.recognized.map((r: any) => r.kind).sort()).toEqual(['date', 'reminder']);

    const viaRest = await api.call('POST', '/api/tasks/quick', {
      headers: { authorization: `Bearer ${await token('dave', { iss: issuer })}` },
      json: { text, timezone: 'Europe/Berlin' },
    });
    expect(viaRest.status).toBe(201);
    const comparable = (task: any) => ({
      ...task,
      id: undefined,
      reminders: task.reminders.map((r: any) => ({ ...r, id: undefined })),
    });
    expect(comparable(result.data.task)).toEqual(comparable(viaRest.body));
  });

  it('names the bad argument: an unknown time zone, an empty text', async () => {
    const zone = await call(alice, 'quick_add', { text: 'Buy milk tomorrow', timezone: 'Mars/Olympus' });
    expect(zone.isError).toBe(true);
    expect(zone.text).toMatch(/timezone/);
    const empty = await call(alice, 'quick_add', { text: '' });
    expect(empty.isError).toBe(true);
    expect(empty.text).toMatch(/text/);
  });
});

describe('MCP isolation between users', () => {
  it('another user sees none of alice’s tasks, by id, by fragment, in searches or the overview', async () => {
    const { data } = await call(alice, 'add_task', {
      title: 'Alice secret plan',
      due_at: '2026-11-23T15:00:00Z',
    });
    const id = data.task.id;
    for (const name of ['complete_task', 'reopen_task', 'delete_task']) {
      const result = await call(bob, name, { task: id });
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(/not found/);
    }
    expect((await call(bob, 'update_task', { task: id, title: 'mine now' })).isError).toBe(true);
    expect((await call(bob, 'reschedule_task', { task: 'secret', skip: true })).text).toContain(
      'no task matches',
    );
    expect((await call(bob, 'find_tasks', { status: 'all' })).data.tasks).toEqual([]);
    const overview = await call(bob, 'get_overview', {});
    expect(overview.data.counts).toEqual({ overdue: 0, today: 0, next_7_days: 0, projected: 0 });
    expect((await call(alice, 'find_tasks', { text: 'secret' })).data.tasks).toMatchObject([
      { id, status: 'open' },
    ]);
  });
});

describe('MCP rate limit', () => {
  it('a tool call beyond the API limit is a tool error saying when to retry, and does nothing', async () => {
    const limited = await startApi({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    const served = await serve(limited.app);
    try {
      const client = await connect('carol', served.base);
      expect((await call(client, 'add_task', { title: 'one' })).isError).toBeFalsy();
      expect((await call(client, 'add_task', { title: 'two' })).isError).toBeFalsy();
      const third = await call(client, 'add_task', { title: 'three' });
      expect(third.isError).toBe(true);
      expect(third.text).toMatch(/^Rate limit reached: too many requests; retry in \d+ s/);
      const count = await limited.db
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      expect(Number(count!.n)).toBe(2);
    } finally {
      served.server.closeAllConnections();
      served.server.close();
      await limited.close();
    }
  });
});
