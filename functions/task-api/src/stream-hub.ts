import {
  AppError,
  type ChangeListener,
  changedSince,
  currentCursor,
  type Db,
  type Logger,
  listenForChanges,
} from '@nudge/core';

/** One open event stream: where its bytes go and how to end it. */
export interface StreamSink {
  write(chunk: string): void;
  end(): void;
}

export interface StreamHubOptions {
  db: Db;
  databaseUrl: string;
  logger: Logger;
  /** Heartbeat comment interval (25 s: below common 30–60 s proxy idle timeouts). */
  heartbeatMs: number;
  /** A stream ends after this long, so a revision can drain and Knative can scale (STREAM_MAX_SECONDS). */
  maxStreamMs: number;
}

export interface StreamHub {
  /**
   * Registers a stream for the user and returns its `close` (call it when the client goes away).
   * With `lastEventId`, sends one event at once if the user's data changed since that cursor.
   */
  open(userId: string, sink: StreamSink, lastEventId?: string): Promise<() => void>;
  /** Open streams, for metrics and the benchmark. */
  readonly size: number;
  /** Ends every stream and the listener (shutdown). */
  close(): Promise<void>;
}

/** How long opening a stream waits for the LISTEN connection (like the pool's connection timeout). */
const listenTimeoutMs = 5_000;

export const changedEvent = (cursor: string) =>
  `id: ${cursor}\nevent: changed\ndata: ${JSON.stringify({ cursor })}\n\n`;

/**
 * The streams this process holds, by user, fed by one LISTEN connection (started with the first
 * stream). A notification costs one cursor read per user however many of their streams are open
 * here; reads for a user never overlap (a notification during a read schedules one more read).
 * After the listener reconnects, every user is re-read: notifications in between are lost.
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const { db, logger } = options;
  const streams = new Map<string, Set<StreamSink>>();
  const reading = new Map<string, boolean>(); // user → another read wanted after this one
  let count = 0;
  let listener: ChangeListener | null = null;
  let heartbeat: NodeJS.Timeout | undefined;

  const announce = (userId: string): void => {
    if (!streams.has(userId)) return;
    if (reading.has(userId)) {
      reading.set(userId, true);
      return;
    }
    reading.set(userId, false);
    currentCursor(db, userId)
      .then((cursor) => {
        const event = changedEvent(cursor);
        for (const sink of streams.get(userId) ?? []) sink.write(event);
      })
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'stream cursor read failed',
        ),
      )
      .finally(() => {
        const again = reading.get(userId);
        reading.delete(userId);
        if (again) announce(userId);
      });
  };

  const startListening = () => {
    listener = listenForChanges({
      databaseUrl: options.databaseUrl,
      logger,
      onChange: announce,
      onReconnect: () => {
        for (const userId of streams.keys()) announce(userId);
      },
    });
    // One timer for every stream: idle streams cost no per-stream wake-ups.
    heartbeat = setInterval(() => {
      for (const sinks of streams.values()) for (const sink of sinks) sink.write(': ping\n\n');
    }, options.heartbeatMs);
    heartbeat.unref();
    return listener.ready;
  };

  return {
    get size() {
      return count;
    },
    async open(userId, sink, lastEventId) {
      // While PostgreSQL is unreachable the listener keeps retrying; a request does not wait for it forever.
      let timer: NodeJS.Timeout | undefined;
      const unavailable = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('internal', 'change listener not connected')),
          listenTimeoutMs,
        );
      });
      await Promise.race([listener ? listener.ready : startListening(), unavailable]).finally(() =>
        clearTimeout(timer),
      );
      const sinks = streams.get(userId) ?? new Set<StreamSink>();
      streams.set(userId, sinks);
      sinks.add(sink);
      count += 1;
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearTimeout(limit);
        sinks.delete(sink);
        if (sinks.size === 0 && streams.get(userId) === sinks) streams.delete(userId);
        count -= 1;
      };
      const limit = setTimeout(() => {
        close();
        sink.end();
      }, options.maxStreamMs);
      // Registered before the check, so a change committed in between is announced either way.
      if (lastEventId !== undefined && (await changedSince(db, userId, lastEventId))) {
        sink.write(changedEvent(await currentCursor(db, userId)));
      }
      return close;
    },
    async close() {
      clearInterval(heartbeat);
      for (const sinks of streams.values()) for (const sink of sinks) sink.end();
      streams.clear();
      count = 0;
      await listener?.close();
    },
  };
}
