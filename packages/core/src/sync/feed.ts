import { z } from 'zod';
import type { Db, Trx } from '../db/database.ts';
import { validationFailed } from '../errors/app-error.ts';
import { taskViews } from '../task/repository.ts';
import type { TaskView } from '../task/view.ts';
import { cursorExpired, decodeCursor, decodePageToken, encodeCursor, encodePageToken } from './cursor.ts';

/** `GET /api/sync` query. Unknown parameters are rejected, as on the list. */
export const syncQuerySchema = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  page: z.string().min(1).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type SyncQuery = z.output<typeof syncQuerySchema>;

export type Change = { task: TaskView } | { deleted: string };

export interface SnapshotPage {
  tasks: TaskView[];
  cursor: string;
  next_page: string | null;
}

export interface ChangesPage {
  changes: Change[];
  cursor: string;
  has_more: boolean;
}

/**
 * Each read runs in one REPEATABLE READ snapshot, so the counter, the change index and the task
 * rows it reads agree with each other.
 */
const inSnapshot = <T>(db: Db, read: (trx: Trx) => Promise<T>) =>
  db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);

async function counterOf(trx: Db | Trx, userId: string) {
  const row = await trx
    .selectFrom('user_changes')
    .select(['seq', 'expired_through'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return { seq: row?.seq ?? 0, expiredThrough: row?.expired_through ?? 0 };
}

/** The user's current cursor (what the stream announces). */
export async function currentCursor(db: Db, userId: string): Promise<string> {
  return encodeCursor(userId, (await counterOf(db, userId)).seq);
}

/** True when the user's data changed after `cursor`; a cursor that is not the user's counts as changed. */
export async function changedSince(db: Db, userId: string, cursor: string): Promise<boolean> {
  let seq: number;
  try {
    seq = decodeCursor(userId, cursor);
  } catch {
    return true;
  }
  return (await counterOf(db, userId)).seq !== seq;
}

/** `GET /api/sync`: a snapshot page without a cursor, the changes since it with one. */
export async function readSync(
  db: Db,
  userId: string,
  query: SyncQuery,
): Promise<SnapshotPage | ChangesPage> {
  if (query.cursor !== undefined && query.page !== undefined)
    throw validationFailed('page', 'belongs to a snapshot; do not send it with a cursor');
  if (query.cursor !== undefined)
    return changesSince(db, userId, decodeCursor(userId, query.cursor), query.limit);
  return snapshot(
    db,
    userId,
    query.page === undefined ? null : decodePageToken(userId, query.page),
    query.limit,
  );
}

/**
 * One page of the full snapshot, by task id. Page 1 fixes the cursor and every later page carries
 * it: whatever changes while the client pages through is after that cursor, so the feed answers
 * it afterwards (a task may come twice, never not at all).
 */
async function snapshot(
  db: Db,
  userId: string,
  page: { seq: number; afterId: string } | null,
  limit: number,
): Promise<SnapshotPage> {
  return inSnapshot(db, async (trx) => {
    const seq = page ? page.seq : (await counterOf(trx, userId)).seq;
    let select = trx.selectFrom('tasks').selectAll().where('user_id', '=', userId);
    if (page) select = select.where('id', '>', page.afterId);
    const rows = await select
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    return {
      tasks: await taskViews(trx, shown),
      cursor: encodeCursor(userId, seq),
      next_page: rows.length > limit && last ? encodePageToken(userId, { seq, afterId: last.id }) : null,
    };
  });
}

/**
 * Every task changed or deleted after `after`, once, in seq order. A user's seqs commit in seq
 * order (the counter row is locked from the moment a seq is taken until its commit), so in this
 * snapshot every seq up to the visible counter is visible too: answering the counter as the next
 * cursor can never skip a change that commits later.
 */
async function changesSince(db: Db, userId: string, after: number, limit: number): Promise<ChangesPage> {
  return inSnapshot(db, async (trx) => {
    const counter = await counterOf(trx, userId);
    // Tombstones up to expired_through are gone; a cursor beyond the counter predates a restore.
    if (after < counter.expiredThrough || after > counter.seq) throw cursorExpired();
    const rows = await trx
      .selectFrom('task_changes')
      .select(['task_id', 'seq'])
      .where('user_id', '=', userId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const shown = rows.slice(0, limit);
    const ids = shown.map((row) => row.task_id);
    const tasks =
      ids.length === 0
        ? []
        : await trx
            .selectFrom('tasks')
            .selectAll()
            .where('user_id', '=', userId)
            .where('id', 'in', ids)
            .execute();
    const views = new Map((await taskViews(trx, tasks)).map((view) => [view.id, view]));
    const hasMore = rows.length > limit;
    return {
      changes: shown.map((row): Change => {
        const task = views.get(row.task_id);
        return task ? { task } : { deleted: row.task_id };
      }),
      cursor: encodeCursor(userId, hasMore ? shown.at(-1)!.seq : counter.seq),
      has_more: hasMore,
    };
  });
}
