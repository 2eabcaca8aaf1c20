import { createStreamTicket, parseOrThrow, readSync, syncQuerySchema } from '@nudge/core';
import { z } from 'zod';
import type { Route } from './route.ts';

const streamQuerySchema = z.strictObject({
  ticket: z.string().max(100).optional(),
  /** For clients that cannot set `Last-Event-ID` when they reconnect. */
  last_event_id: z.string().max(200).optional(),
});

const encoder = new TextEncoder();

/** The change feed, the live stream and its tickets (issue 10). */
export const syncRoutes: Route[] = [
  {
    method: 'get',
    path: '/api/sync',
    operation: 'sync',
    mutates: false,
    async handle({ user, query }, { db }) {
      return { status: 200, json: await readSync(db, user.sub, parseOrThrow(syncQuerySchema, query)) };
    },
  },
  {
    method: 'post',
    path: '/api/stream/ticket',
    operation: 'stream_ticket',
    mutates: false,
    async handle({ user, now }, { db }) {
      return { status: 201, json: await createStreamTicket(db, user.sub, now) };
    },
  },
  {
    method: 'get',
    path: '/api/stream',
    operation: 'stream',
    mutates: false,
    ticket: true,
    async handle({ user, query, request }, { streams }) {
      const { last_event_id } = parseOrThrow(streamQuerySchema, query);
      const lastEventId = request.headers.get('last-event-id') ?? last_event_id;
      let close: (() => void) | null = null;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
        },
        cancel() {
          close?.();
        },
      });
      const sink = {
        write(chunk: string) {
          try {
            controller.enqueue(encoder.encode(chunk));
          } catch {
            close?.(); // the client is gone and the stream already closed
          }
        },
        end() {
          try {
            controller.close();
          } catch {}
        },
      };
      // A comment first: the client sees the stream open (headers and first bytes) at once.
      sink.write(': connected\n\n');
      // Registered before answering, so a failure here is an ordinary JSON error, not a broken stream.
      close = await streams.open(user.sub, sink, lastEventId);
      request.signal.addEventListener('abort', () => close?.());
      return {
        response: new Response(body, {
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache, no-transform',
            // nginx (and ingresses built on it) would otherwise buffer the events.
            'x-accel-buffering': 'no',
          },
        }),
      };
    },
  },
];
