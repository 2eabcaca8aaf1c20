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

/** One entry of a bulk publish request, as daprd decodes it (`bulkPublishMessageEntry`). */
interface BulkEntry {
  entryId: string;
  event: unknown;
  contentType: string;
  metadata?: Record<string, string>;
}

/** The entries of a bulk publish body, or why it is not one (daprd answers 400 for each). */
function parseBulkEntries(body: Buffer): BulkEntry[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return `the body is not JSON: ${(error as Error).message}`;
  }
  if (!Array.isArray(parsed)) return 'the body must be a JSON array of entries';
  const seen = new Set<string>();
  for (const [index, entry] of parsed.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return `entry ${index} is not an object`;
    const { entryId, contentType, metadata } = entry as Record<string, unknown>;
    if (typeof entryId !== 'string' || entryId === '' || seen.has(entryId))
      return 'entryId is duplicated or not present for entry';
    seen.add(entryId);
    if (contentType !== undefined && typeof contentType !== 'string')
      return `entry ${entryId}: contentType must be a string`;
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' ||
        metadata === null ||
        Object.values(metadata).some((v) => typeof v !== 'string'))
    )
      return `entry ${entryId}: metadata must map strings to strings`;
  }
  return parsed as BulkEntry[];
}

/** daprd's ConvertEventToBytes: a string as is, anything else as its JSON; text/plain takes strings only. */
function eventBytes(entry: BulkEntry): Buffer {
  if (typeof entry.event === 'string') return Buffer.from(entry.event, 'utf8');
  if (/^text\/plain\b/i.test(entry.contentType ?? '')) throw new Error('a text/plain event must be a string');
  return Buffer.from(JSON.stringify(entry.event ?? null), 'utf8');
}

/**
 * The slice of Dapr's HTTP API that Nudge's functions call — publish, bulk publish and health —
 * plus `GET /dev/events` for developers.
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
    const bulk = /^\/v1\.0-alpha1\/publish\/bulk\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (bulk && req.method === 'POST') {
      await bulkPublish(req, res, url, decodeURIComponent(bulk[1]!), decodeURIComponent(bulk[2]!));
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

  /**
   * `POST /v1.0-alpha1/publish/bulk/{pubsub}/{topic}` as daprd answers it: 204 when every entry
   * is durable, 400 for a pub/sub it lacks or a malformed body (nothing published), 500 with
   * `{"failedEntries":[{"entryId","error"}],"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"}` when the
   * broker failed entries. Request-level `metadata.*` query parameters apply to every entry; an
   * entry's own `metadata` overrides them (its `partitionKey` is the record's key). The whole
   * batch goes to the topic log in one write and one fdatasync.
   */
  async function bulkPublish(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    pubsub: string,
    topic: string,
  ): Promise<void> {
    if (!broker.hasPubsub(pubsub)) {
      send(res, 400, daprError('ERR_PUBSUB_NOT_FOUND', `pubsub '${pubsub}' not found`));
      return;
    }
    const requestMetadata: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('metadata.')) requestMetadata[name.slice('metadata.'.length)] = value;
    }
    if (requestMetadata.rawPayload === 'true') {
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
    const entries = parseBulkEntries(body);
    if (typeof entries === 'string') {
      send(
        res,
        400,
        daprError(
          'ERR_PUBSUB_EVENTS_SER',
          `error when unmarshaling the request for topic ${topic}: ${entries}`,
        ),
      );
      return;
    }
    let items: Array<{ entryId: string; event: Record<string, unknown>; key: string | undefined }>;
    try {
      items = entries.map((entry) => {
        const metadata = { ...requestMetadata, ...entry.metadata };
        return {
          entryId: entry.entryId,
          key: metadata.partitionKey,
          event: toCloudEvent({
            pubsub,
            topic,
            body: eventBytes(entry),
            contentType: entry.contentType || undefined,
            traceparent: req.headers.traceparent as string | undefined,
            tracestate: req.headers.tracestate as string | undefined,
          }),
        };
      });
    } catch (error) {
      send(res, 400, daprError('ERR_PUBSUB_CLOUD_EVENTS_SER', (error as Error).message));
      return;
    }
    try {
      const records = await broker.publishMany(pubsub, topic, items);
      logger.debug({ topic, entries: records.length, first_offset: records[0]?.offset }, 'bulk published');
      send(res, 204);
    } catch (error) {
      // The log write failed for the whole batch: every entry failed, as Kafka reports a failed produce.
      const message = error instanceof Error ? error.message : String(error);
      send(res, 500, {
        failedEntries: items.map((item) => ({ entryId: item.entryId, error: message })),
        errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE',
      });
    }
  }
}
