import type { Db, TaskRow, Trx } from '../db/database.ts';
import { notFound } from '../errors/app-error.ts';
import { remindersOfTasks } from '../reminder/repository.ts';
import { type TaskView, toTaskView } from './view.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else names no task (and would make PostgreSQL raise 22P02). */
export const isTaskId = (id: string) => uuidPattern.test(id);

const ownTask = (db: Db | Trx, userId: string, id: string) =>
  db.selectFrom('tasks').selectAll().where('id', '=', id).where('user_id', '=', userId);

/** The user's task, or null: another user's task and a malformed id are both simply absent. */
export async function findTaskRow(db: Db | Trx, userId: string, id: string): Promise<TaskRow | null> {
  if (!isTaskId(id)) return null;
  return (await ownTask(db, userId, id).executeTakeFirst()) ?? null;
}

/** findTaskRow for many (user, id) pairs in one query: the tasks found, by id. */
export async function findTaskRows(
  db: Db | Trx,
  keys: ReadonlyArray<{ userId: string; id: string }>,
): Promise<Map<string, TaskRow>> {
  const wanted = keys.filter((key) => isTaskId(key.id));
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('tasks')
    .selectAll()
    .where(
      'id',
      'in',
      wanted.map((key) => key.id),
    )
    .execute();
  const owner = new Map(wanted.map((key) => [key.id, key.userId]));
  return new Map(rows.filter((row) => owner.get(row.id) === row.user_id).map((row) => [row.id, row]));
}

/** Locks the user's task for the rest of the transaction, or throws `not_found`. */
export async function lockTaskRow(trx: Trx, userId: string, id: string): Promise<TaskRow> {
  const row = isTaskId(id) ? await ownTask(trx, userId, id).forUpdate().executeTakeFirst() : undefined;
  if (!row) throw notFound('task');
  return row;
}

/** Rows with their reminders, as API views, in the rows' order (one reminder query for all). */
export async function taskViews(db: Db | Trx, rows: readonly TaskRow[]): Promise<TaskView[]> {
  const reminders = await remindersOfTasks(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toTaskView(row, reminders));
}

/** The user's task as the API shows it, or throws `not_found`. */
export async function getTask(db: Db | Trx, userId: string, id: string): Promise<TaskView> {
  const row = await findTaskRow(db, userId, id);
  if (!row) throw notFound('task');
  const [view] = await taskViews(db, [row]);
  return view!;
}
