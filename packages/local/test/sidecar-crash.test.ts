import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { tempDataDir, writeDaprFixture } from './dapr-fixture.ts';
import { startSubscriber } from './subscriber.ts';

const main = fileURLToPath(new URL('../src/sidecar/main.ts', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function runSidecar(env: Record<string, string>, port: number) {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: process.env.TEST_LOG_LEVEL ? 'inherit' : 'ignore',
  });
  children.push(child);
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1.0/healthz`)).status === 204) return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the sidecar process under kill -9', () => {
  it('loses no event it acknowledged with 204: all are delivered after a restart', async () => {
    const delivered = new Set<string>();
    const subscriber = await startSubscriber((received) => {
      delivered.add(String(received.event.id));
      return { status: 200, body: '{"status":"SUCCESS"}', delayMs: 5 };
    });
    const resourcesDir = await writeDaprFixture();
    const dataDir = await tempDataDir();
    const port = await freePort();
    const env = {
      DAPR_HTTP_PORT: String(port),
      DAPR_RESOURCES_DIR: resourcesDir,
      DATA_DIR: dataDir,
      DAPR_APP_URLS: `app=${subscriber.url}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    };
    const first = await runSidecar(env, port);
    const firstExited = new Promise((resolve) => first.once('exit', resolve));
    const acknowledged: string[] = [];
    let killed = false;
    // 8 concurrent publishers; kill -9 mid-stream.
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; !killed; i += 1) {
          const id = randomUUID();
          try {
            const response = await fetch(
              `http://127.0.0.1:${port}/v1.0/publish/pubsub/orders?metadata.partitionKey=user-${worker}`,
              {
                method: 'POST',
                headers: { 'content-type': 'application/cloudevents+json' },
                body: JSON.stringify({
                  specversion: '1.0',
                  id,
                  type: 'order.paid',
                  source: '/test',
                  data: { i },
                }),
              },
            );
            if (response.status === 204) acknowledged.push(id);
          } catch {
            return; // the sidecar is gone
          }
          if (!killed && acknowledged.length >= 300) {
            killed = true;
            first.kill('SIGKILL');
          }
        }
      }),
    );
    await firstExited;
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    await runSidecar(env, port);
    await subscriber.until(() => acknowledged.every((id) => delivered.has(id)), 20_000);
    await subscriber.close();
    await rm(resourcesDir, { recursive: true });
    await rm(dataDir, { recursive: true });
  });
});
