import { createServer, type IncomingHttpHeaders, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A status for a request: 2xx forwards it to the sidecar, anything else is answered at once. */
export type Answer = number | ((request: RecordedRequest) => number);

/** An event the sidecar behind accepted, from a single or a bulk publish. */
export interface AcceptedEvent {
  topic: string;
  /** The partition key it was published with. */
  key: string | null;
  event: Record<string, unknown>;
}

/** For one entry of a bulk publish: an error message fails that entry alone, undefined forwards it. */
export type EntryFault = (entry: AcceptedEvent) => string | undefined;

interface BulkEntry {
  entryId: string;
  event: Record<string, unknown>;
  metadata?: Record<string, string>;
}

const publishPath = /^\/v1\.0\/publish\/[^/]+\/([^?]+)/;
const bulkPath = /^\/v1\.0-alpha1\/publish\/bulk\/[^/]+\/([^?]+)/;

export interface SidecarFront {
  port: number;
  /** Every request received, in arrival order (failed ones included). */
  requests: RecordedRequest[];
  /** Requests the sidecar behind answered 2xx: what the broker has. */
  accepted: RecordedRequest[];
  /** Every event the sidecar behind accepted, in order, bulk entries one by one. */
  events: AcceptedEvent[];
  /**
   * Fails single entries of bulk publishes, the way a broker fails some partitions: the others
   * are forwarded, and the answer is daprd's 500 naming the failed `entryId`s. Undefined stops it.
   */
  failEntries(fault: EntryFault | undefined): void;
  /** Fails the next requests with this status (Dapr's error body), or forwards them again with a 2xx. */
  respondWith(answer: Answer): void;
  /** Delays every answer, to widen race windows in concurrency tests. */
  delayAnswers(ms: number): void;
  /** Stops listening, as a dead sidecar: connections are refused until `listen`. */
  refuse(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

const withoutLength = (headers: IncomingHttpHeaders): IncomingHttpHeaders => {
  const { 'content-length': _length, ...rest } = headers;
  return rest;
};

/**
 * Sits between the functions and a sidecar on `targetPort` (the local stack's, packages/local),
 * records what they send, and fails on command: a status like a sidecar whose broker is down,
 * refused connections like a dead sidecar. Not a sidecar of its own: whatever it forwards, the
 * real one answers.
 */
export async function startSidecarFront(targetPort: number, port = 0): Promise<SidecarFront> {
  const requests: RecordedRequest[] = [];
  const accepted: RecordedRequest[] = [];
  const events: AcceptedEvent[] = [];
  let entryFault: EntryFault | undefined;
  let answer: (request: RecordedRequest) => number = () => 204;
  let delayMs = 0;
  let listening = false;
  const sockets = new Set<Socket>();

  const forward = (recorded: RecordedRequest) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve) => {
      const upstream = request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: recorded.method,
          path: recorded.url,
          headers: recorded.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      upstream.on('error', () => resolve({ status: 502, headers: {}, body: Buffer.alloc(0) }));
      upstream.end(recorded.body);
    });

  // Splits a bulk publish into the entries the fault fails and the ones forwarded to the sidecar.
  const forwardBulk = async (recorded: RecordedRequest, topic: string, res: ServerResponse) => {
    const entries = JSON.parse(recorded.body) as BulkEntry[];
    const asEvent = (entry: BulkEntry): AcceptedEvent => ({
      topic,
      key: entry.metadata?.partitionKey ?? null,
      event: entry.event,
    });
    const failed = entries.flatMap((entry) => {
      const error = entryFault?.(asEvent(entry));
      return error === undefined ? [] : [{ entryId: entry.entryId, error }];
    });
    const failedIds = new Set(failed.map((entry) => entry.entryId));
    const passing = entries.filter((entry) => !failedIds.has(entry.entryId));
    const upstream =
      passing.length > 0
        ? await forward({
            ...recorded,
            body: JSON.stringify(passing),
            headers: withoutLength(recorded.headers),
          })
        : { status: 204, headers: {}, body: Buffer.alloc(0) };
    if (upstream.status >= 200 && upstream.status < 300) {
      accepted.push(recorded);
      events.push(...passing.map(asEvent));
    }
    if (failed.length > 0 && upstream.status === 204) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ failedEntries: failed, errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE' }));
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  };

  const makeServer = (): Server => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        requests.push(recorded);
        const status = answer(recorded);
        if (status < 200 || status >= 300) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE', message: 'failed by the test' }));
          return;
        }
        const bulk = bulkPath.exec(recorded.url);
        if (bulk) {
          await forwardBulk(recorded, decodeURIComponent(bulk[1]!), res);
          return;
        }
        const upstream = await forward(recorded);
        if (upstream.status >= 200 && upstream.status < 300) {
          accepted.push(recorded);
          const single = publishPath.exec(recorded.url);
          if (single)
            events.push({
              topic: decodeURIComponent(single[1]!),
              key: new URL(recorded.url, 'http://x').searchParams.get('metadata.partitionKey'),
              event: JSON.parse(recorded.body) as Record<string, unknown>,
            });
        }
        res.writeHead(upstream.status, upstream.headers);
        res.end(upstream.body);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  let server = makeServer();
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        listening = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    listening = false;
  };
  const boundPort = await listen(port);

  return {
    port: boundPort,
    requests,
    accepted,
    events,
    failEntries(fault) {
      entryFault = fault;
    },
    respondWith(next) {
      answer = typeof next === 'number' ? () => next : next;
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    refuse: close,
    async listen() {
      if (listening) return;
      server = makeServer();
      await listen(boundPort);
    },
    close,
  };
}
