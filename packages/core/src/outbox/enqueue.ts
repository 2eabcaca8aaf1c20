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
  const rows = events.map(({ topic, event }) => ({
    event_id: event.id,
    user_id: event.partitionkey,
    topic,
    event_type: event.type,
    cloud_event: event,
  }));
  // One round trip: the locks and the insert in one statement. The lock count is an aggregate,
  // so every lock is held before the first row reaches the insert and draws its id; rows go in
  // in the given order (ids follow it).
  await sql`
    with locks as materialized (
      select count(*) as held
      from (select pg_advisory_xact_lock(${outboxWriterLock}, hashtext(u.user_id)) from unnest(${users}::text[]) as u(user_id)) l
    )
    insert into outbox (event_id, user_id, topic, event_type, cloud_event)
    select (e.item->>'event_id')::uuid, e.item->>'user_id', e.item->>'topic', e.item->>'event_type', e.item->'cloud_event'
    from locks, jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as e(item, n)
    where locks.held = ${users.length}
    order by e.n`.execute(trx);
}
