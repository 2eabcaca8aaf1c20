import { randomUUID } from 'node:crypto';
/** How one delivery attempt ended, in Dapr's terms. */
export interface AttemptResult {
  outcome: 'success' | 'retry' | 'drop';
  /** HTTP status, or undefined when the app could not be reached or timed out. */
  status?: number | undefined;
  detail: string;
}

/**
 * POSTs one CloudEvent to an app the way Dapr's HTTP subscriber channel does (structured mode,
 * `application/cloudevents+json`, the trace context as a `traceparent` header) and reads the answer
 * with Dapr's rules: 2xx with `{"status":"SUCCESS"}`, an empty/unknown-less body or non-JSON is a
 * success; `RETRY`, an unknown status, any other non-2xx or no answer is a retry; `DROP` or 404 is a drop.
 */
export async function deliverOnce(
  url: string,
  event: Record<string, unknown>,
  options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<AttemptResult> {
  const signals = [
    options.signal,
    options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  ].filter((signal): signal is AbortSignal => signal !== undefined);
  const headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' };
  if (typeof event.traceparent === 'string') headers.traceparent = event.traceparent;
  if (typeof event.tracestate === 'string' && event.tracestate) headers.tracestate = event.tracestate;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(event),
      signal: signals.length > 0 ? AbortSignal.any(signals) : null,
    });
    body = await response.text();
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : describeFetchError(error);
    return { outcome: 'retry', detail: reason };
  }
  const { status } = response;
  if (status >= 200 && status <= 299) {
    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      return { outcome: 'success', status, detail: body ? 'non-JSON body' : 'empty body' };
    }
    const value = (answer as { status?: unknown } | null)?.status;
    if (value === undefined || value === '' || value === 'SUCCESS')
      return { outcome: 'success', status, detail: 'SUCCESS' };
    if (value === 'DROP') return { outcome: 'drop', status, detail: 'DROP' };
    return {
      outcome: 'retry',
      status,
      detail: value === 'RETRY' ? 'RETRY' : `unknown status ${JSON.stringify(value)}`,
    };
  }
  if (status === 404) return { outcome: 'drop', status, detail: 'not found' };
  return { outcome: 'retry', status, detail: `HTTP ${status}` };
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** One entry of a bulk delivery, as the stand-in sends it. */
export interface BulkItem {
  entryId: string;
  event: Record<string, unknown>;
}

/**
 * POSTs a batch of CloudEvents to an app as Dapr's bulk subscribe does over HTTP
 * (dapr pkg/runtime/subscription/postman/http DeliverBulk): `application/json`
 * `{id, type: "com.dapr.event.sent.bulk", topic, pubsubname, metadata: {pubsubName},
 * entries: [{entryId, event, metadata, contentType: "application/cloudevents+json"}]}`, each event
 * a JSON object. Reads the answer with Dapr's rules: 2xx with `{"statuses": [{entryId, status}]}`
 * settles each entry (SUCCESS, DROP; RETRY, an empty or unknown status, or no status for an entry
 * is a retry); a 2xx body that is not such JSON, any other non-2xx or no answer retries every
 * entry; 404 drops every entry.
 */
export async function deliverBulkOnce(
  url: string,
  batch: { topic: string; pubsub: string; items: BulkItem[] },
  options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<Map<string, AttemptResult>> {
  const every = (result: AttemptResult) => new Map(batch.items.map((item) => [item.entryId, result]));
  const signals = [
    options.signal,
    options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  ].filter((signal): signal is AbortSignal => signal !== undefined);
  const envelope = {
    id: randomUUID(),
    type: 'com.dapr.event.sent.bulk',
    topic: batch.topic,
    pubsubname: batch.pubsub,
    metadata: { pubsubName: batch.pubsub },
    entries: batch.items.map((item) => ({
      entryId: item.entryId,
      event: item.event,
      metadata: {},
      contentType: 'application/cloudevents+json',
    })),
  };
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
      signal: signals.length > 0 ? AbortSignal.any(signals) : null,
    });
    body = await response.text();
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : describeFetchError(error);
    return every({ outcome: 'retry', detail: reason });
  }
  const { status } = response;
  if (status === 404) return every({ outcome: 'drop', status, detail: 'not found' });
  if (status < 200 || status > 299) return every({ outcome: 'retry', status, detail: `HTTP ${status}` });
  let statuses: unknown;
  try {
    statuses = (JSON.parse(body) as { statuses?: unknown } | null)?.statuses;
  } catch {
    return every({ outcome: 'retry', status, detail: 'bulk answer is not JSON' });
  }
  if (!Array.isArray(statuses))
    return every({ outcome: 'retry', status, detail: 'bulk answer has no statuses' });
  const results = every({ outcome: 'retry', status, detail: 'no status for this entry' });
  for (const answer of statuses as { entryId?: unknown; status?: unknown }[]) {
    const entryId = typeof answer?.entryId === 'string' ? answer.entryId : undefined;
    if (entryId === undefined || !results.has(entryId)) continue; // Dapr logs and ignores unknown ids
    const value = answer.status;
    results.set(
      entryId,
      value === 'SUCCESS'
        ? { outcome: 'success', status, detail: 'SUCCESS' }
        : value === 'DROP'
          ? { outcome: 'drop', status, detail: 'DROP' }
          : {
              outcome: 'retry',
              status,
              detail: value === 'RETRY' ? 'RETRY' : `unknown status ${JSON.stringify(value)}`,
            },
    );
  }
  return results;
}
