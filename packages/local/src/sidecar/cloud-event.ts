import { randomBytes, randomUUID } from 'node:crypto';

export interface PublishRequest {
  pubsub: string;
  topic: string;
  body: Buffer;
  contentType: string | undefined;
  /** W3C trace context of the publish call, if the caller sent one. */
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

/** A new W3C traceparent (version 00, sampled), as Dapr starts a trace when the caller has none. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

const isJson = (type: string) => /^application\/(.+\+)?json\b/.test(type) || type === 'text/json';
const isBinary = (type: string) => /^application\/octet-stream\b/.test(type);

/**
 * Turns a publish request into the CloudEvent Dapr would put on the topic (components-contrib
 * pubsub/envelope.go): a body sent as `application/cloudevents+json` is kept and completed
 * (id, source, type, specversion defaults); anything else is wrapped as `data` (JSON content parsed,
 * octet-stream as `data_base64`, otherwise text) with type `com.dapr.event.sent`. Both get `topic`,
 * `pubsubname`, `traceid`, `traceparent` and `tracestate`. Throws on a malformed CloudEvent.
 */
export function toCloudEvent(request: PublishRequest): Record<string, unknown> {
  const contentType = (request.contentType ?? 'text/plain').toLowerCase();
  // An event that already carries a trace context (our outbox stores the request's) keeps it, so a
  // delivery joins the trace of the API call that caused it even when relayed later.
  const trace = (event?: Record<string, unknown>) => {
    const traceparent =
      typeof event?.traceparent === 'string' && event.traceparent
        ? event.traceparent
        : (request.traceparent ?? newTraceparent());
    const tracestate = typeof event?.tracestate === 'string' ? event.tracestate : (request.tracestate ?? '');
    return { traceid: traceparent, traceparent, tracestate };
  };
  if (contentType.startsWith('application/cloudevents+json')) {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('a CloudEvent must be a JSON object');
    }
    const event = parsed as Record<string, unknown>;
    return {
      ...event,
      id: event.id ?? randomUUID(),
      source: event.source ?? 'Dapr',
      type: event.type ?? 'com.dapr.event.sent',
      specversion: event.specversion ?? '1.0',
      topic: request.topic,
      pubsubname: request.pubsub,
      ...trace(event),
    };
  }
  let data: unknown = request.body.toString('utf8');
  let dataField = 'data';
  if (isJson(contentType)) {
    try {
      data = JSON.parse(data as string);
    } catch {
      // Dapr falls back to the text when JSON does not parse.
    }
  } else if (isBinary(contentType)) {
    data = request.body.toString('base64');
    dataField = 'data_base64';
  }
  return {
    id: randomUUID(),
    specversion: '1.0',
    datacontenttype: request.contentType ?? 'text/plain',
    source: 'Dapr',
    type: 'com.dapr.event.sent',
    topic: request.topic,
    pubsubname: request.pubsub,
    ...trace(),
    [dataField]: data,
  };
}
