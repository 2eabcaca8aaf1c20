import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export interface RetentionSummary {
  tombstones: number;
  tickets: number;
}

/**
 * Purges tombstones older than `retentionMs` and expired stream tickets (cron-scan runs it). Per
 * user, in a transaction that first locks the user's counter row — the lock order the change
 * triggers use — and records `expired_through`, so a cursor older than the purge answers 410.
 * At most `maxUsers` users per call; the next run continues.
 */
export async function purgeChangeHistory(
  db: Db,
  options: { now: Date; retentionMs: number; maxUsers?: number },
): Promise<RetentionSummary> {
  const cutoff = new Date(options.now.getTime() - options.retentionMs);
  const users = await db
    .selectFrom('task_changes')
    .select('user_id')
    .distinct()
    .where('deleted_at', '<', cutoff)
    .limit(options.maxUsers ?? 500)
    .execute();
  let tombstones = 0;
  for (const { user_id } of users) {
    tombstones += await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('user_changes')
        .set({
          expired_through: sql`greatest(expired_through, (select max(seq) from task_changes where user_id = ${user_id} and deleted_at < ${cutoff}))`,
        })
        .where('user_id', '=', user_id)
        .execute();
      const deleted = await trx
        .deleteFrom('task_changes')
        .where('user_id', '=', user_id)
        .where('deleted_at', '<', cutoff)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    });
  }
  const tickets = await db
    .deleteFrom('stream_tickets')
    .where('expires_at', '<', options.now)
    .executeTakeFirst();
  return { tombstones, tickets: Number(tickets.numDeletedRows) };
}
