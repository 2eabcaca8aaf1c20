import { sql } from 'kysely';
import type { Trx } from '../db/database.ts';
import type { OutgoingEvent } from '../events/envelope.ts';

/** Advisory-lock class for "this transaction is writing this user's outbox rows". */
const outboxWriterLock = 0x6f757462; // 'outb'

/**
 * Writes events to the outbox inside the caller's transaction: they commit with the change
 * they describe, or not at all.
 *
 * The relay publishes a user's events in `outbox.id` order, so ids must follow commit order. A
 * sequence alone does not promise that: two concurrent transactions of one user could take ids
 * 1 and 2 and commit 2 first, letting the relay publish 2 before 1 becomes visible. A per-user
 * transaction-scoped advisory lock, taken before the ids are drawn, serialises one user's outbox
 * writers (other users are untouched), so a later id always commits later.
 */
export async function enqueueEvents(trx: Trx, events: readonly OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Sorted, so two transactions touching the same users take the locks in the same order.
  const users = [...new Set(events.map(({ event }) => event.partitionkey))].sort();
  for (const user of users) {
    await sql`select pg_advisory_xact_lock(${outboxWriterLock}, hashtext(${user}))`.execute(trx);
  }
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
