import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Paths rotated per request (e.g. one task id after another); defaults to the URL's own path. */
  paths?: readonly string[];
  body?: string;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Responses outside 2xx, and connection errors or timeouts: a valid run has none. */
  non_2xx: number;
  errors: number;
}

/** Drives `spec.url` with autocannon for `durationS` seconds at `connections` concurrent connections. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  const paths = spec.paths;
  const result = await autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: { ...spec.headers, ...(spec.body ? { 'content-type': 'application/json' } : {}) },
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationS,
    requests: paths
      ? [
          {
            setupRequest: (request) => {
              request.path = paths[next++ % paths.length]!;
              return request;
            },
          },
        ]
      : undefined,
  });
  return {
    requests_per_s: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
