import type { ErrorDetail } from './types.ts';

/** An answer with an error body from task-api: `{"error":{"code","message","details"}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The request never got an answer: offline, DNS, the API is down. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('Nudge cannot reach the server. Check your connection; it retries by itself.', { cause });
    this.name = 'NetworkError';
  }
}

export interface ApiOptions {
  baseUrl: string;
  /** The current bearer token (renewed tokens are picked up on the next request). */
  token: () => Promise<string | null>;
  /** A 401: the session is over. */
  onUnauthorized: () => void;
  /** Every request tells whether the network answered, for the offline banner. */
  onReachable: (reachable: boolean) => void;
}

export type Api = ReturnType<typeof createApi>;

/** The one place the app talks HTTP to task-api. */
export function createApi(options: ApiOptions) {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await options.token();
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      options.onReachable(false);
      throw new NetworkError(error);
    }
    options.onReachable(true);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } })?.error;
      if (response.status === 401) options.onUnauthorized();
      throw new ApiError(
        response.status,
        error?.code ?? `http_${response.status}`,
        error?.message ?? `The server answered ${response.status}.`,
        error?.details ?? [],
      );
    }
    return json as T;
  }
  return {
    baseUrl: options.baseUrl,
    get: <T>(path: string) => request<T>('GET', path),
    post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
    patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
    delete: (path: string) => request<void>('DELETE', path),
  };
}

/** What to tell the user about a failed request. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.details.length > 0) {
      return error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
    }
    return error.message;
  }
  if (error instanceof NetworkError) return error.message;
  return 'Something went wrong. Please try again.';
}
