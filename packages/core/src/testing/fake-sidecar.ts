import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayDeps } from '../outbox/relay.ts';
import { createDaprPublisher } from '../publish/dapr-publisher.ts';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeSidecar {
  port: number;
  /** Every request received, in arrival order (rejected ones included). */
  requests: RecordedRequest[];
  /** Requests answered 2xx: what the broker "has". */
  accepted: RecordedRequest[];
  /** Chooses the status for the next requests (204 by default). */
  respondWith(status: number | ((request: RecordedRequest) => number)): void;
  /** Delays every answer, to widen race windows in concurrency tests. */
  delayAnswers(ms: number): void;
  close(): Promise<void>;
}

/** A stand-in for the Dapr sidecar's publish endpoint that records the exact HTTP requests it receives. */
export async function startFakeSidecar(): Promise<FakeSidecar> {
  const requests: RecordedRequest[] = [];
  const accepted: RecordedRequest[] = [];
  let answer: (request: RecordedRequest) => number = () => 204;
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const status = answer(recorded);
      if (status >= 200 && status < 300) accepted.push(recorded);
      res.statusCode = status;
      res.end(
        status >= 300 ? JSON.stringify({ errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE', message: 'fake' }) : '',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    accepted,
    respondWith(status) {
      answer = typeof status === 'number' ? () => status : status;
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An outbox relay that publishes to the fake sidecar (pub/sub component `pubsub`), as deployed relays do to Dapr. */
export function relayToSidecar(sidecar: FakeSidecar, deps: Omit<OutboxRelayDeps, 'publisher'>): OutboxRelay {
  return createOutboxRelay({
    ...deps,
    publisher: createDaprPublisher({ daprHttpPort: sidecar.port, pubsubName: 'pubsub' }),
  });
}
