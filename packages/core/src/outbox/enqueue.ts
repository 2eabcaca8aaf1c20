import type { Trx } from '../db/database.ts';
import type { OutgoingEvent } from '../events/envelope.ts';

/**
 * Writes events to the outbox inside the caller's transaction: they commit with the change
 * they describe, or not at all. Rows are inserted in the given order, which is commit order.
 */
export async function enqueueEvents(trx: Trx, events: readonly OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(
      events.map(({ topic, event }) => ({
        event_id: event.id,
        user_id: event.partitionkey,
        topic,
        event_type: event.type,
        cloud_event: JSON.stringify(event),
      })),
    )
    .execute();
}
