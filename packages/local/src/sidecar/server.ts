import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@nudge/core';
import type { Broker } from './broker.ts';
import { toCloudEvent } from './cloud-event.ts';

const maxBody = 4 * 1024 * 1024; // daprd's default max request body (--max-body-size 4Mi)

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Dapr's error body shape: `{"errorCode": "ERR_…", "message": "…"}`. */
const daprError = (errorCode: string, message: string) => ({ errorCode, message });

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The slice of Dapr's HTTP API that Nudge's functions call — publish and health — plus
 * `GET /dev/events` for developers.
 */
export function createSidecarServer(broker: Broker, logger: Logger): Server {
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'sidecar request failed');
      if (!res.headersSent) send(res, 500, daprError('ERR_INTERNAL', 'internal error'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const publish = /^\/v1\.0\/publish\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (publish && req.method === 'POST') {
      const pubsub = decodeURIComponent(publish[1]!);
      const topic = decodeURIComponent(publish[2]!);
      if (!broker.hasPubsub(pubsub)) {
        send(res, 404, daprError('ERR_PUBSUB_NOT_FOUND', `pubsub ${pubsub} not found`));
        return;
      }
      if (url.searchParams.get('metadata.rawPayload') === 'true') {
        send(
          res,
          400,
          daprError('ERR_PUBSUB_REQUEST_METADATA', 'metadata.rawPayload is not supported by the local stack'),
        );
        return;
      }
      const body = await readBody(req);
      if (!body) {
        send(res, 413, daprError('ERR_BODY_TOO_LARGE', `request body over ${maxBody} bytes`));
        return;
      }
      let event: Record<string, unknown>;
      try {
        event = toCloudEvent({
          pubsub,
          topic,
          body,
          contentType: req.headers['content-type'],
          traceparent: req.headers.traceparent as string | undefined,
          tracestate: req.headers.tracestate as string | undefined,
        });
      } catch (error) {
        send(res, 400, daprError('ERR_PUBSUB_CLOUD_EVENTS_SER', (error as Error).message));
        return;
      }
      const key = url.searchParams.get('metadata.partitionKey') ?? undefined;
      const record = await broker.publish(pubsub, topic, event, key);
      logger.debug(
        { topic, offset: record.offset, event_id: event.id, event_type: event.type, partition_key: key },
        'published',
      );
      send(res, 204);
      return;
    }
    if (
      req.method === 'GET' &&
      (url.pathname === '/v1.0/healthz' || url.pathname === '/v1.0/healthz/outbound')
    ) {
      send(res, 204);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/dev/events') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
      send(res, 200, { events: broker.recent(url.searchParams.get('topic') ?? undefined, limit) });
      return;
    }
    send(
      res,
      404,
      daprError('ERR_NOT_FOUND', `${req.method} ${url.pathname} is not implemented by the local sidecar`),
    );
  }
}
