import type { Db, NewReminderRow, ReminderRow, ReminderStatus, Trx } from '../db/database.ts';
import type { ReminderSpec } from './input.ts';

/**
 * A reminder a task change moved or re-statused starts afresh: no scan holds it (its timer finds
 * the lease changed and leaves it to the next scan) and no sender has claimed it.
 */
const unclaimed = { lease_until: null, send_claim_until: null } as const;

/** Inserts reminder rows and returns them as stored. */
export async function insertReminderRows(trx: Trx, rows: readonly NewReminderRow[]): Promise<ReminderRow[]> {
  if (rows.length === 0) return [];
  return trx.insertInto('reminders').values(rows).returningAll().execute();
}

/** Every reminder of the given tasks, in time order (the order the API shows them). */
export async function remindersOfTasks(db: Db | Trx, taskIds: readonly string[]): Promise<ReminderRow[]> {
  if (taskIds.length === 0) return [];
  return db
    .selectFrom('reminders')
    .selectAll()
    .where('task_id', 'in', taskIds)
    .orderBy('remind_at')
    .orderBy('id')
    .execute();
}

/** Moves a task's reminders from one status to another (optionally only those after `after`). */
export async function changeReminderStatus(
  trx: Trx,
  taskId: string,
  change: { from: ReminderRow['status']; to: ReminderRow['status']; after?: Date },
  now: Date,
): Promise<ReminderRow[]> {
  let query = trx
    .updateTable('reminders')
    .set({ status: change.to, updated_at: now, ...unclaimed })
    .where('task_id', '=', taskId)
    .where('status', '=', change.from);
  if (change.after) query = query.where('remind_at', '>', change.after);
  return query.returningAll().execute();
}

/** Deletes every reminder of a task, returning what was deleted (for cancellation events). */
export async function deleteRemindersOfTask(trx: Trx, taskId: string): Promise<ReminderRow[]> {
  return trx.deleteFrom('reminders').where('task_id', '=', taskId).returningAll().execute();
}

/** Moves one reminder to a new time and status (a task's due date or zone changed). */
export async function moveReminder(
  trx: Trx,
  id: string,
  to: { remindAt: Date; status: ReminderStatus },
  now: Date,
): Promise<ReminderRow> {
  return trx
    .updateTable('reminders')
    .set({ remind_at: to.remindAt, status: to.status, updated_at: now, ...unclaimed })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The given tasks' relative reminders as specs, in time order: what their next occurrences inherit. */
export async function relativeReminderSpecs(
  db: Db | Trx,
  taskIds: readonly string[],
): Promise<Map<string, ReminderSpec[]>> {
  const specs = new Map<string, ReminderSpec[]>(taskIds.map((id) => [id, []]));
  if (taskIds.length === 0) return specs;
  const rows = await db
    .selectFrom('reminders')
    .select(['task_id', 'before'])
    .where('task_id', 'in', taskIds)
    .where('before', 'is not', null)
    .orderBy('remind_at')
    .orderBy('id')
    .execute();
  for (const row of rows) specs.get(row.task_id)?.push({ before: row.before, at: null });
  return specs;
}
