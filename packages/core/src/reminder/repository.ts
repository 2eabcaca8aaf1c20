import type { Db, NewReminderRow, ReminderRow, Trx } from '../db/database.ts';

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
    .set({ status: change.to, updated_at: now, lease_until: null })
    .where('task_id', '=', taskId)
    .where('status', '=', change.from);
  if (change.after) query = query.where('remind_at', '>', change.after);
  return query.returningAll().execute();
}

/** Deletes every reminder of a task, returning what was deleted (for cancellation events). */
export async function deleteRemindersOfTask(trx: Trx, taskId: string): Promise<ReminderRow[]> {
  return trx.deleteFrom('reminders').where('task_id', '=', taskId).returningAll().execute();
}
