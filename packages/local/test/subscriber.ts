import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  event: Record<string, unknown>;
  at: number;
}

export type Answer = { status: number; body?: string; delayMs?: number };

/** A real HTTP app that records every delivery and answers what `answer` says. */
export async function startSubscriber(
  answer: (received: Received, count: number) => Answer = () => ({ status: 200 }),
) {
  const received: Received[] = [];
  const waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry: Received = {
      path: req.url ?? '/',
      headers: req.headers,
      event: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      at: Date.now(),
    };
    received.push(entry);
    const reply = answer(entry, received.length);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body ?? '');
    for (const waiter of waiters.splice(0)) {
      if (waiter.predicate()) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** Resolves once `predicate` holds (checked after every delivery), or rejects after `ms`. */
    until(predicate: () => boolean, ms = 10_000): Promise<void> {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`condition not met after ${ms} ms (${received.length} received)`)),
          ms,
        );
        waiters.push({
          predicate,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const success = { status: 200, body: '{"status":"SUCCESS"}' };
export const retry = { status: 200, body: '{"status":"RETRY"}' };
export const drop = { status: 200, body: '{"status":"DROP"}' };
