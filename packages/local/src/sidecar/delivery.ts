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
