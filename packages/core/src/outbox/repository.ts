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
 * Locks a user's head row for the rest of the transaction, or returns false when another relay
 * holds it or it is no longer due. Whoever holds the head is the only one publishing that user's
 * rows: the rows after it are never a head while it is unpublished, so no one else picks them.
 */
export async function lockHead(trx: Trx, id: number, now: Date): Promise<boolean> {
  const row = await trx
    .selectFrom('outbox')
    .select('id')
    .where('id', '=', id)
    .where('published_at', 'is', null)
    .where((eb) => eb.or([eb('attempts', '=', 0), eb('next_attempt_at', '<=', now)]))
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row !== undefined;
}

/** A user's unpublished rows from `fromId` on, in commit order. */
export async function pendingForUser(
  trx: Trx,
  userId: string,
  fromId: number,
  limit: number,
): Promise<OutboxRow[]> {
  return trx
    .selectFrom('outbox')
    .selectAll()
    .where('user_id', '=', userId)
    .where('published_at', 'is', null)
    .where('id', '>=', fromId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markPublished(trx: Trx, id: number, now: Date): Promise<void> {
  await trx.updateTable('outbox').set({ published_at: now, last_error: null }).where('id', '=', id).execute();
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
