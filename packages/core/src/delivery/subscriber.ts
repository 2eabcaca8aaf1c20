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
  parseBulkDelivery,
  parseBulkEntry,
  parseIncomingEvent,
  type RawEvent,
} from './incoming-event.ts';
import { drop, type Outcome, retry, success } from './outcome.ts';

/**
 * Handles a batch of events of the consumer's type (one for a single delivery, many for a Dapr
 * bulk delivery) and answers one outcome per event, in order. A throw answers every event of the
 * batch alike (see outcomeForError), so a handler isolates per-event failures itself.
 */
export type BatchHandler<P, D> = (
  events: IncomingEvent<P>[],
  deps: D & { logger: Logger },
) => Promise<Outcome[]>;

export interface SubscriberOptions<S extends z.ZodType, D> {
  /** Names this consumer in processed_events, metrics and logs (`on-task-completed`). */
  consumer: string;
  /** The one event type this consumer acts on; other Nudge types are acknowledged untouched. */
  eventType: EventType;
  payloadSchema: S;
  handler: BatchHandler<z.output<S>, D>;
  deps: D & OpsDeps & { logger: Logger };
}

/** A handler of one event, for a consumer whose events are independent of each other. */
export type EventHandler<P, D> = (event: IncomingEvent<P>, deps: D & { logger: Logger }) => Promise<Outcome>;

/** Runs a per-event handler over a batch; a failure answers for its own event alone. */
export function eachEvent<P, D>(handle: EventHandler<P, D>): BatchHandler<P, D> {
  return (events, deps) => Promise.all(events.map((event) => handle(event, deps).catch(outcomeForError)));
}

const knownTypes = new Set<string>([...taskEventTypes, ...reminderEventTypes]);

/** Maps what a handler threw to a delivery answer: only the edge makes this call. */
export function outcomeForError(error: unknown): Outcome {
  if (isRetryableDbError(error)) return retry('database unavailable');
  if (error instanceof AppError && error.code === 'validation_failed') return drop('invalid_data');
  // PostgreSQL could not read a value the event carries (e.g. U+0000 in a text): every retry fails alike.
  if (isDataException(error)) return drop('invalid_data');
  // Unknown failures are retried; Dapr's resiliency policy caps the retries and then dead-letters.
  return retry('unexpected error');
}

const errorFields = (error: unknown) =>
  error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : error;

/** One delivered entry on its way through the edge: its logger, and its answer once known. */
interface Delivery {
  logger: Logger;
  type: string;
  outcome?: Outcome;
  event?: IncomingEvent<unknown>;
}

/**
 * The edge every event function shares. Accepts a single CloudEvent (binary or structured mode,
 * answered `{"status": …}`) and a Dapr bulk delivery (`{"entries": [{entryId, event, …}]}`,
 * answered `{"statuses": [{entryId, status}]}`, one per entry) on any POST path (Dapr routes by
 * path; the type decides here). Checks each event's `data` with zod, runs the batch handler once
 * for all events of its type, and answers SUCCESS, RETRY or DROP per event, so one poison entry
 * is dead-lettered alone and one transient failure is redelivered alone. Also serves /healthz,
 * /readyz and /metrics (core's edge). Every event leaves one log line (event id, type,
 * traceparent, outcome) and one metric.
 */
export function createSubscriber<S extends z.ZodType, D>(options: SubscriberOptions<S, D>) {
  const { consumer, eventType, deps } = options;
  const { metrics } = deps;
  const dataSchema = eventDataSchema(options.payloadSchema);
  const base = deps.logger.child({ consumer });

  /** Parses and validates one entry: an answer, or an event for the handler. */
  function admit(read: () => RawEvent, fallbackTrace: string | undefined): Delivery {
    let raw: RawEvent;
    try {
      raw = read();
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      return {
        logger: base.child({ traceparent: fallbackTrace, err: error.message }),
        type: 'unknown',
        outcome: drop('malformed'),
      };
    }
    const type = knownTypes.has(raw.type) ? raw.type : 'unknown';
    const logger = base.child({ event_id: raw.id, event_type: raw.type, traceparent: raw.traceparent });
    if (!knownTypes.has(raw.type)) return { logger, type, outcome: drop('unknown_type') };
    // The subscription routes every type of the topic here (`/unhandled`); only ours needs work.
    if (raw.type !== eventType) return { logger, type, outcome: success('not for this consumer') };
    const parsed = dataSchema.safeParse(raw.data);
    if (!parsed.success) {
      logger.warn({ details: zodDetails(parsed.error, 'data') }, 'event data does not match its schema');
      return { logger, type, outcome: drop('invalid_data') };
    }
    if (parsed.data.event_id !== raw.id || parsed.data.event_type !== raw.type) {
      logger.warn('event data names another event than its envelope');
      return { logger, type, outcome: drop('invalid_data') };
    }
    return { logger, type, event: { ...raw, data: parsed.data as IncomingEvent<unknown>['data'] } };
  }

  /** Runs the handler once for every admitted event and fills in their answers. */
  async function decide(deliveries: Delivery[]): Promise<void> {
    const pending = deliveries.filter((delivery) => delivery.outcome === undefined);
    if (pending.length === 0) return;
    const events = pending.map((delivery) => delivery.event as IncomingEvent<z.output<S>>);
    const logger = pending.length === 1 ? pending[0]!.logger : base.child({ batch: pending.length });
    try {
      const outcomes = await options.handler(events, { ...deps, logger });
      if (outcomes.length !== pending.length) {
        throw new Error(`handler answered ${outcomes.length} outcomes for ${pending.length} events`);
      }
      pending.forEach((delivery, i) => {
        delivery.outcome = outcomes[i]!;
      });
    } catch (error) {
      const outcome = outcomeForError(error);
      logger[outcome.status === 'DROP' ? 'warn' : 'error'](
        { err: errorFields(error) },
        'event handler failed',
      );
      for (const delivery of pending) delivery.outcome = outcome;
    }
  }

  function report(delivery: Delivery, started: number): Outcome['status'] {
    const outcome = delivery.outcome!;
    const lowered = outcome.status.toLowerCase();
    metrics.eventsProcessed.inc({ consumer, type: delivery.type, outcome: lowered });
    const fields = {
      outcome: lowered,
      reason: outcome.status === 'SUCCESS' ? outcome.note : outcome.reason,
      duration_ms: Math.round(performance.now() - started),
    };
    if (outcome.status === 'DROP') {
      metrics.eventsDeadLettered.inc({ consumer, reason: outcome.reason });
      delivery.logger.warn(fields, 'event dead-lettered');
    } else if (outcome.status === 'RETRY') {
      delivery.logger.warn(fields, 'event will be redelivered');
    } else {
      delivery.logger.info(fields, 'event handled');
    }
    return outcome.status;
  }

  const app = createEdge(deps);
  app.post('*', async (c) => {
    const started = performance.now();
    const headers = Object.fromEntries(c.req.raw.headers);
    // Read from the raw body so nothing is lost to a body parser; a body that is not JSON is
    // a malformed event (dead-lettered), never an HTTP error.
    const body = await c.req.text();
    const entries = parseBulkDelivery(headers, body);
    if (entries) {
      const deliveries = entries.map((entry) => admit(() => parseBulkEntry(entry), headers.traceparent));
      await decide(deliveries);
      const statuses = entries.map((entry, i) => ({
        entryId: entry.entryId,
        status: report(deliveries[i]!, started),
      }));
      return jsonResponse(200, { statuses });
    }
    const delivery = admit(() => parseIncomingEvent(headers, body), headers.traceparent);
    await decide([delivery]);
    return jsonResponse(200, { status: report(delivery, started) });
  });
  // 404, not 405, for anything but a POST: at start the Dapr sidecar asks GET /dapr/subscribe and
  // /dapr/config and logs an error for anything but 200 or 404. Our subscriptions are declarative
  // (dapr/subscriptions).
  app.all('*', () => {
    throw new AppError('not_found', 'deliveries are POSTed');
  });
  return app;
}
