import type { Trx } from '../db/database.ts';

/**
 * Records that `consumer` handled `eventId`, inside the transaction that carries the effect.
 * Returns false when it was already recorded: the caller must then do nothing (a duplicate
 * delivery). Two concurrent deliveries serialise on the primary key; the loser waits for the
 * winner's commit and then sees the conflict.
 */
export async function recordProcessed(trx: Trx, consumer: string, eventId: string): Promise<boolean> {
  const inserted = await trx
    .insertInto('processed_events')
    .values({ consumer, event_id: eventId })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}
