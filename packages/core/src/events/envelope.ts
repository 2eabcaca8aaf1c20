import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type EventType,
  reminderEventTypes,
  type Source,
  type Topic,
  taskEventTypes,
  topicFor,
} from './event-types.ts';

/** The documented `data` of every event, readable by a plain Kafka consumer that ignores CloudEvents. */
export interface EventData<P = Record<string, unknown>> {
  event_id: string;
  event_type: EventType;
  user_id: string;
  timestamp: string;
  payload: P;
}

/** A CloudEvents 1.0 event in structured-mode JSON, as stored in the outbox and published. */
export interface NudgeCloudEvent<P = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  type: EventType;
  source: Source;
  time: string;
  subject: string;
  /** CloudEvents partitioning extension: one user's events share a Kafka partition, so they keep order. */
  partitionkey: string;
  datacontenttype: 'application/json';
  data: EventData<P>;
}

export interface NewEvent<P> {
  type: EventType;
  source: Source;
  userId: string;
  /** The task the event is about. */
  subject: string;
  payload: P;
  time: Date;
  id?: string;
}

/** An event ready for the outbox: the CloudEvent and the topic it goes to. */
export interface OutgoingEvent<P = Record<string, unknown>> {
  topic: Topic;
  event: NudgeCloudEvent<P>;
}

/** Builds the envelope design.md specifies: CloudEvent attributes mirrored in `data`. */
export function buildEvent<P extends Record<string, unknown>>(input: NewEvent<P>): OutgoingEvent<P> {
  const id = input.id ?? randomUUID();
  const timestamp = input.time.toISOString();
  return {
    topic: topicFor(input.type),
    event: {
      specversion: '1.0',
      id,
      type: input.type,
      source: input.source,
      time: timestamp,
      subject: input.subject,
      partitionkey: input.userId,
      datacontenttype: 'application/json',
      data: {
        event_id: id,
        event_type: input.type,
        user_id: input.userId,
        timestamp,
        payload: input.payload,
      },
    },
  };
}

const eventType = z.enum([...taskEventTypes, ...reminderEventTypes]);

/** Schema of an incoming event's `data`, checked at every consumer's edge. */
export const eventDataSchema = <P extends z.ZodType>(payload: P) =>
  z.object({
    event_id: z.uuid(),
    event_type: eventType,
    user_id: z.string().min(1),
    timestamp: z.iso.datetime({ offset: true }),
    payload,
  });
