import type { NudgeCloudEvent } from '@nudge/core';

export type DeliveryMode = 'binary' | 'structured';

/**
 * POSTs a CloudEvent the way the Dapr sidecar delivers it: structured mode carries the event as
 * `application/cloudevents+json` with the extensions Dapr adds (topic, pubsubname, traceparent);
 * binary mode puts the attributes in `ce-*` headers and `data` in the body.
 */
export async function deliverEvent(
  url: string,
  event: NudgeCloudEvent | Record<string, unknown>,
  mode: DeliveryMode,
  options: { traceparent?: string; topic?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const traceparent = options.traceparent ?? '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  let init: RequestInit;
  if (mode === 'structured') {
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', traceparent },
      body: JSON.stringify({
        ...event,
        topic: options.topic ?? 'task-events',
        pubsubname: 'pubsub',
        traceparent,
      }),
    };
  } else {
    const { data, datacontenttype, ...attributes } = event as Record<string, unknown>;
    const headers: Record<string, string> = {
      'content-type': typeof datacontenttype === 'string' ? datacontenttype : 'application/json',
      traceparent,
    };
    for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = String(value);
    init = { method: 'POST', headers, body: JSON.stringify(data) };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body };
}

/**
 * POSTs events as one Dapr bulk delivery (dapr pkg/runtime/pubsub NewBulkSubscribeEnvelope):
 * `application/json` `{id, type: "com.dapr.event.sent.bulk", topic, pubsubname, metadata,
 * entries: [{entryId, event, metadata, contentType: "application/cloudevents+json"}]}`, each
 * event a JSON object. Entry ids are `e0`, `e1`, … in order.
 */
export async function deliverBulk(
  url: string,
  events: (NudgeCloudEvent | Record<string, unknown>)[],
  options: { topic?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const topic = options.topic ?? 'task-events';
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: crypto.randomUUID(),
      type: 'com.dapr.event.sent.bulk',
      topic,
      pubsubname: 'pubsub',
      metadata: { pubsubName: 'pubsub' },
      entries: events.map((event, i) => ({
        entryId: `e${i}`,
        event: { ...event, topic, pubsubname: 'pubsub' },
        metadata: {},
        contentType: 'application/cloudevents+json',
      })),
    }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body };
}
