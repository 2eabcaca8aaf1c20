import { sql } from 'kysely';
import type { Db, OutboxRow, Trx } from '../db/database.ts';

/** The oldest unpublished row of each user whose retry time has come, oldest first. */
export async function findDueHeads(
  db: Db,
  now: Date,
  limit: number,
): Promise<Array<{ id: number; user_id: string }>> {
  // A user's head is their oldest unpublished row; while it waits for a retry, their later rows wait too.
  const result = await sql<{ id: number; user_id: string }>`
    select id, user_id from (
      select distinct on (user_id) id, user_id, attempts, next_attempt_at
      from outbox
      where published_at is null
      order by user_id, id
    ) heads
    -- A row never tried is due whatever the clocks say: next_attempt_at defaults to the
    -- database's now(), which may run ahead of this process's clock.
    where attempts = 0 or next_attempt_at <= ${now}
    order by id
    limit ${limit}`.execute(db);
  return result.rows;
}

/**
 * Locks the given heads for the rest of the transaction and returns the ids it got: one skipped
 * is held by another relay or no longer due. Whoever holds a user's head is the only one
 * publishing that user's rows: the rows after it are never a head while it is unpublished.
 */
export async function lockHeads(trx: Trx, ids: readonly number[], now: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .selectFrom('outbox')
    .select('id')
    .where('id', 'in', ids)
    .where('published_at', 'is', null)
    .where((eb) => eb.or([eb('attempts', '=', 0), eb('next_attempt_at', '<=', now)]))
    .forUpdate()
    .skipLocked()
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Up to `perUser` unpublished rows of each locked head's user, from the head on, in commit order. */
export async function pendingForHeads(
  trx: Trx,
  heads: ReadonlyArray<{ id: number; user_id: string }>,
  perUser: number,
): Promise<OutboxRow[]> {
  if (heads.length === 0) return [];
  const result = await sql<OutboxRow>`
    select o.* from unnest(${heads.map((h) => h.user_id)}::text[], ${heads.map((h) => h.id)}::bigint[])
      as h(user_id, head_id)
    cross join lateral (
      select * from outbox
      where outbox.user_id = h.user_id and outbox.published_at is null and outbox.id >= h.head_id
      order by outbox.id
      limit ${perUser}
    ) o
    order by o.id`.execute(trx);
  return result.rows;
}

/** Marks rows published in one statement. */
export async function markPublished(trx: Trx, ids: readonly number[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('outbox')
    .set({ published_at: now, last_error: null })
    .where('id', 'in', ids)
    .execute();
}

export async function markFailed(
  trx: Trx,
  id: number,
  failure: { attempts: number; error: string; nextAttemptAt: Date },
): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({
      attempts: failure.attempts,
      last_error: failure.error.slice(0, 1000),
      next_attempt_at: failure.nextAttemptAt,
    })
    .where('id', '=', id)
    .execute();
}

/** How many events wait and how long the oldest has waited, for the outbox gauges. */
export async function pendingStats(db: Db, now: Date): Promise<{ count: number; oldestAgeSeconds: number }> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('created_at').as('oldest')])
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  const oldest = row.oldest ? new Date(row.oldest as Date) : null;
  return {
    count: Number(row.count),
    oldestAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
  };
}
