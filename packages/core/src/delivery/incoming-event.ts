import type { IncomingHttpHeaders } from 'node:http';
import { CloudEvent, type CloudEventV1, HTTP } from 'cloudevents';
import type { EventData } from '../events/envelope.ts';

/** What arrived before validating `data`: enough to log and route. */
export interface RawEvent {
  id: string;
  type: string;
  source: string;
  subject: string | undefined;
  time: string | undefined;
  /** W3C trace context of the delivery, from the header or the CloudEvent extension Dapr sets. */
  traceparent: string | undefined;
  data: unknown;
}

/** A delivered CloudEvent whose `data` passed the consumer's schema. */
export type IncomingEvent<P> = Omit<RawEvent, 'data'> & { data: EventData<P> };

export class MalformedEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedEventError';
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function declaresId(headers: IncomingHttpHeaders, body: string): boolean {
  if (header(headers, 'ce-id')) return true;
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' && parsed.id !== '';
  } catch {
    return false;
  }
}

/**
 * Reads a CloudEvent from an HTTP delivery in binary (`ce-*` headers) or structured
 * (`application/cloudevents+json`) mode, from the raw body so nothing is lost to a body parser.
 * Throws MalformedEventError when it is not a valid CloudEvent 1.0.
 */
export function parseIncomingEvent(
  headers: IncomingHttpHeaders,
  rawBody: Buffer | string | undefined,
): RawEvent {
  const body = rawBody === undefined ? '' : typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  let event: CloudEventV1<unknown> | CloudEventV1<unknown>[];
  try {
    event = HTTP.toEvent<unknown>({ headers, body });
  } catch (error) {
    throw new MalformedEventError(
      `not a CloudEvent: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (Array.isArray(event)) throw new MalformedEventError('batched CloudEvents are not accepted');
  // The SDK fills a missing id with a fresh UUID, which would defeat deduplication: require one.
  if (!declaresId(headers, body)) throw new MalformedEventError('invalid CloudEvent: id is required');
  try {
    if (event instanceof CloudEvent) event.validate();
  } catch (error) {
    const errors = (error as { errors?: Array<{ message?: string }> }).errors;
    const detail = errors?.map((e) => e.message).join('; ') ?? (error as Error).message;
    throw new MalformedEventError(`invalid CloudEvent: ${detail}`, { cause: error });
  }
  const traceparent = header(headers, 'traceparent') ?? (event.traceparent as string | undefined);
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: event.time,
    traceparent,
    data: event.data,
  };
}

/** One entry of a Dapr bulk delivery, as the sidecar sends it (dapr pkg/runtime/pubsub BulkSubscribeMessageItem). */
export interface BulkEntry {
  entryId: string;
  /** A CloudEvent as a JSON object (`contentType` application/cloudevents+json), or a raw payload. */
  event: unknown;
  contentType: string | undefined;
  metadata: Record<string, string> | undefined;
}

/**
 * Recognises a Dapr bulk delivery: an `application/json` body `{id, type, topic, pubsubname,
 * metadata, entries: [{entryId, event, contentType, metadata}]}` without `ce-*` headers (a
 * binary-mode CloudEvent always has `ce-id`). Returns undefined for anything else.
 */
export function parseBulkDelivery(headers: IncomingHttpHeaders, body: string): BulkEntry[] | undefined {
  if (header(headers, 'ce-id')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const entries = (parsed as { entries?: unknown; specversion?: unknown } | null)?.entries;
  if (!Array.isArray(entries) || (parsed as { specversion?: unknown }).specversion !== undefined)
    return undefined;
  return entries.map((entry: Record<string, unknown> | null) => ({
    entryId: typeof entry?.entryId === 'string' ? entry.entryId : '',
    event: entry?.event,
    contentType: typeof entry?.contentType === 'string' ? entry.contentType : undefined,
    metadata: (entry?.metadata as Record<string, string> | undefined) ?? undefined,
  }));
}

/** The CloudEvent of one bulk entry; throws MalformedEventError for a raw payload or a broken event. */
export function parseBulkEntry(entry: BulkEntry): RawEvent {
  const contentType = entry.contentType ?? 'application/cloudevents+json';
  if (!contentType.startsWith('application/cloudevents+json')) {
    throw new MalformedEventError(`bulk entry is a raw payload (${contentType}), not a CloudEvent`);
  }
  if (typeof entry.event !== 'object' || entry.event === null || Array.isArray(entry.event)) {
    throw new MalformedEventError('bulk entry event is not a JSON object');
  }
  const traceparent = (entry.event as { traceparent?: unknown }).traceparent;
  const headers: IncomingHttpHeaders = { 'content-type': 'application/cloudevents+json' };
  if (typeof traceparent === 'string') headers.traceparent = traceparent;
  return parseIncomingEvent(headers, JSON.stringify(entry.event));
}
