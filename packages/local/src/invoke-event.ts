import { randomUUID } from 'node:crypto';

export interface InvokeInput {
  type: string;
  /** Either the full documented `data` envelope or just its payload. */
  data: unknown;
  source?: string;
  subject?: string;
  userId?: string;
  id?: string;
  time?: Date;
}

export interface InvokeRequest {
  headers: Record<string, string>;
  body: string;
}

const isEnvelope = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && 'payload' in data && 'event_type' in data;

/**
 * Builds the CloudEvent `npm run invoke` sends, like `func invoke`: binary mode (ce-* headers,
 * data as the body) by default, structured mode (`application/cloudevents+json`) on request.
 * A bare payload is wrapped in Nudge's documented `data` envelope with matching ids.
 */
export function buildInvokeRequest(input: InvokeInput, mode: 'binary' | 'structured'): InvokeRequest {
  const id =
    input.id ??
    (isEnvelope(input.data) && typeof input.data.event_id === 'string' ? input.data.event_id : randomUUID());
  const time = (input.time ?? new Date()).toISOString();
  const userId = input.userId ?? 'demo';
  const data = isEnvelope(input.data)
    ? input.data
    : { event_id: id, event_type: input.type, user_id: userId, timestamp: time, payload: input.data ?? {} };
  const payload = (data as { payload?: { task_id?: unknown } }).payload;
  const subject = input.subject ?? (typeof payload?.task_id === 'string' ? payload.task_id : undefined);
  const attributes: Record<string, string> = {
    specversion: '1.0',
    id,
    type: input.type,
    source: input.source ?? '/nudge/invoke-cli',
    time,
    partitionkey: String((data as { user_id?: unknown }).user_id ?? userId),
    ...(subject ? { subject } : {}),
  };
  if (mode === 'structured') {
    return {
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ ...attributes, datacontenttype: 'application/json', data }),
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = value;
  return { headers, body: JSON.stringify(data) };
}
