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

/**
 * recordProcessed for a batch, in one statement: returns the ids recorded now; the others were
 * handled before (duplicates). An id listed twice is recorded once.
 */
export async function recordProcessedMany(
  trx: Trx,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const unique = [...new Set(eventIds)];
  const inserted = await trx
    .insertInto('processed_events')
    .values(unique.map((event_id) => ({ consumer, event_id })))
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return new Set(inserted.map((row) => row.event_id));
}

/** Takes back records of events whose effect was rolled back within the batch's transaction (they will be redelivered). */
export async function forgetProcessed(
  trx: Trx,
  consumer: string,
  eventIds: readonly string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await trx
    .deleteFrom('processed_events')
    .where('consumer', '=', consumer)
    .where('event_id', 'in', [...eventIds])
    .execute();
}
