import type { z } from 'zod';
import { isDataException, isRetryableDbError } from '../db/pg-errors.ts';
import { AppError } from '../errors/app-error.ts';
import { zodDetails } from '../errors/zod-details.ts';
import { eventDataSchema } from '../events/envelope.ts';
import { type EventType, reminderEventTypes, taskEventTypes } from '../events/event-types.ts';
import { createEdge } from '../http/edge.ts';
import { jsonResponse } from '../http/error-response.ts';
import type { OpsDeps } from '../http/ops.ts';
import type { Logger } from '../observability/logger.ts';
import {
  type IncomingEvent,
  MalformedEventError,
  parseIncomingEvent,
  type RawEvent,
} from './incoming-event.ts';
import { drop, type Outcome, retry, success } from './outcome.ts';

export type EventHandler<P, D> = (event: IncomingEvent<P>, deps: D & { logger: Logger }) => Promise<Outcome>;

export interface SubscriberOptions<S extends z.ZodType, D> {
  /** Names this consumer in processed_events, metrics and logs (`on-task-completed`). */
  consumer: string;
  /** The one event type this consumer acts on; other Nudge types are acknowledged untouched. */
  eventType: EventType;
  payloadSchema: S;
  handler: EventHandler<z.output<S>, D>;
  deps: D & OpsDeps & { logger: Logger };
}

const knownTypes = new Set<string>([...taskEventTypes, ...reminderEventTypes]);

/** Maps what a handler threw to a delivery answer: only the edge makes this call. */
function outcomeForError(error: unknown): Outcome {
  if (isRetryableDbError(error)) return retry('database unavailable');
  if (error instanceof AppError && error.code === 'validation_failed') return drop('invalid_data');
  // PostgreSQL could not read a value the event carries (e.g. U+0000 in a text): every retry fails alike.
  if (isDataException(error)) return drop('invalid_data');
  // Unknown failures are retried; Dapr's resiliency policy caps the retries and then dead-letters.
  return retry('unexpected error');
}

/**
 * The edge every event function shares: parses the CloudEvent (binary or structured), checks
 * its `data` with zod, runs the pure handler and answers Dapr with HTTP 200 and
 * `{"status": "SUCCESS" | "RETRY" | "DROP"}` on any POST path (Dapr routes by path; the
 * type decides here). Also serves /healthz, /readyz and /metrics (core's edge). Every delivery
 * leaves one log line (event id, type, traceparent, outcome) and one metric.
 */
export function createSubscriber<S extends z.ZodType, D>(options: SubscriberOptions<S, D>) {
  const { consumer, eventType, deps } = options;
  const { metrics } = deps;
  const dataSchema = eventDataSchema(options.payloadSchema);

  async function decide(raw: RawEvent, logger: Logger): Promise<Outcome> {
    if (!knownTypes.has(raw.type)) return drop('unknown_type');
    // The subscription routes every type of the topic here (`/unhandled`); only ours needs work.
    if (raw.type !== eventType) return success('not for this consumer');
    const parsed = dataSchema.safeParse(raw.data);
    if (!parsed.success) {
      logger.warn({ details: zodDetails(parsed.error, 'data') }, 'event data does not match its schema');
      return drop('invalid_data');
    }
    if (parsed.data.event_id !== raw.id || parsed.data.event_type !== raw.type) {
      logger.warn('event data names another event than its envelope');
      return drop('invalid_data');
    }
    const event: IncomingEvent<z.output<S>> = {
      ...raw,
      data: parsed.data as IncomingEvent<z.output<S>>['data'],
    };
    try {
      return await options.handler(event, { ...deps, logger });
    } catch (error) {
      const outcome = outcomeForError(error);
      logger[outcome.status === 'DROP' ? 'warn' : 'error'](
        {
          err:
            error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : error,
        },
        'event handler failed',
      );
      return outcome;
    }
  }

  const app = createEdge(deps);
  app.post('*', async (c) => {
    const started = performance.now();
    let logger = deps.logger.child({ consumer });
    let type = 'unknown';
    let outcome: Outcome;
    try {
      // Read from the raw body so nothing is lost to a body parser; a body that is not JSON is
      // a malformed event (dead-lettered), never an HTTP error.
      const raw = parseIncomingEvent(Object.fromEntries(c.req.raw.headers), await c.req.text());
      type = knownTypes.has(raw.type) ? raw.type : 'unknown';
      logger = logger.child({ event_id: raw.id, event_type: raw.type, traceparent: raw.traceparent });
      outcome = await decide(raw, logger);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      const traceparent = c.req.header('traceparent');
      logger = logger.child({ traceparent, err: error.message });
      outcome = drop('malformed');
    }
    const lowered = outcome.status.toLowerCase();
    metrics.eventsProcessed.inc({ consumer, type, outcome: lowered });
    const fields = {
      outcome: lowered,
      reason: outcome.status === 'SUCCESS' ? outcome.note : outcome.reason,
      duration_ms: Math.round(performance.now() - started),
    };
    if (outcome.status === 'DROP') {
      metrics.eventsDeadLettered.inc({ consumer, reason: outcome.reason });
      logger.warn(fields, 'event dead-lettered');
    } else if (outcome.status === 'RETRY') {
      logger.warn(fields, 'event will be redelivered');
    } else {
      logger.info(fields, 'event handled');
    }
    return jsonResponse(200, { status: outcome.status });
  });
  // 404, not 405, for anything but a POST: at start the Dapr sidecar asks GET /dapr/subscribe and
  // /dapr/config and logs an error for anything but 200 or 404. Our subscriptions are declarative
  // (dapr/subscriptions).
  app.all('*', () => {
    throw new AppError('not_found', 'deliveries are POSTed');
  });
  return app;
}
