import pg from 'pg';
import type { Logger } from '../observability/logger.ts';

/** The channel the change triggers notify on commit; the payload is the user id. */
export const changeChannel = 'nudge_changes';

export interface ChangeListenerOptions {
  databaseUrl: string;
  logger: Logger;
  /** A commit changed this user's data. */
  onChange(userId: string): void;
  /** The connection was lost and is back: notifications in between are lost, so every stream should re-check. */
  onReconnect(): void;
}

export interface ChangeListener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const maxBackoffMs = 5_000;

/**
 * One dedicated connection per process that LISTENs for change notifications, whichever process
 * committed the change. Reconnects with capped exponential backoff; a pooled connection would
 * not do, since LISTEN belongs to the session.
 */
export function listenForChanges(options: ChangeListenerOptions): ChangeListener {
  const { logger } = options;
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let connectedOnce = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const connect = async (attempt: number): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.databaseUrl });
    let failed = false;
    const retry = (error: unknown) => {
      if (failed || closed) return;
      failed = true;
      client = null;
      next.end().catch(() => {});
      const delay = Math.min(maxBackoffMs, 100 * 2 ** attempt);
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), delay_ms: delay },
        'change listener lost its connection',
      );
      timer = setTimeout(() => void connect(Math.min(attempt + 1, 10)), delay);
    };
    next.on('error', retry);
    next.on('end', () => retry(new Error('connection ended')));
    next.on('notification', (message) => {
      if (message.channel === changeChannel && message.payload) options.onChange(message.payload);
    });
    try {
      await next.connect();
      await next.query(`listen ${changeChannel}`);
    } catch (error) {
      retry(error);
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    if (connectedOnce) options.onReconnect();
    connectedOnce = true;
    resolveReady();
  };
  void connect(0);

  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
