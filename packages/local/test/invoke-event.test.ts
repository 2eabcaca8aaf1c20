import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { buildInvokeRequest } from '../src/invoke-event.ts';

describe('npm run invoke', () => {
  const payload = {
    task_id: '7b0c2c9e-3c50-4d5e-9f10-8f0c3a1d2e4f',
    completed_at: '2026-11-22T09:00:00.000Z',
  };
  const time = new Date('2026-11-22T09:00:01.000Z');

  it('sends a binary-mode CloudEvent whose data is the documented envelope around the payload', () => {
    const request = buildInvokeRequest(
      { type: 'task.completed', data: payload, userId: 'alice', time },
      'binary',
    );
    const event = HTTP.toEvent({ headers: request.headers, body: request.body }) as {
      id: string;
      data: unknown;
    } & Record<string, unknown>;
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'task.completed',
      source: '/nudge/invoke-cli',
      subject: payload.task_id,
      partitionkey: 'alice',
      time: time.toISOString(),
    });
    expect(event.data).toEqual({
      event_id: event.id,
      event_type: 'task.completed',
      user_id: 'alice',
      timestamp: time.toISOString(),
      payload,
    });
  });

  it('sends structured mode on request and keeps a whole envelope as given', () => {
    const envelope = {
      event_id: 'c3c1d8f2-6a55-4b64-a8d6-1e2b3c4d5e6f',
      event_type: 'task.completed',
      user_id: 'bob',
      timestamp: time.toISOString(),
      payload,
    };
    const request = buildInvokeRequest({ type: 'task.completed', data: envelope }, 'structured');
    expect(request.headers['content-type']).toBe('application/cloudevents+json');
    const event = HTTP.toEvent({ headers: request.headers, body: request.body }) as Record<string, unknown>;
    expect(event).toMatchObject({ id: envelope.event_id, partitionkey: 'bob', data: envelope });
  });

  it('reaches a real HTTP function and prints its answer', async () => {
    const server = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'SUCCESS', type: req.headers['ce-type'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { execFile } = await import('node:child_process');
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          'src/invoke-cli.ts',
          'on-task-completed',
          '--type',
          'task.completed',
          '--data',
          JSON.stringify(payload),
          '--url',
          `http://127.0.0.1:${port}`,
        ],
        { cwd: new URL('..', import.meta.url).pathname },
        (_error, stdout) => resolve({ stdout, code: child.exitCode }),
      );
    });
    server.close();
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: 'SUCCESS', type: 'task.completed' });
  });
});
