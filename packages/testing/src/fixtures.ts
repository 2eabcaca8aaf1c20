import type { Db, NewReminderRow, NewTaskRow, ReminderRow, TaskRow } from '@nudge/core';

/** Inserts a user (id = JWT sub) unless present. */
export async function insertUser(
  db: Db,
  id: string,
  email: string | null = `${id}@example.test`,
): Promise<void> {
  await db
    .insertInto('users')
    .values({ id, email })
    .onConflict((oc) => oc.column('id').doUpdateSet({ email }))
    .execute();
}

/** Inserts a task row as the database stores it (no events): for arranging tests only. */
export async function insertTaskRow(
  db: Db,
  row: Partial<NewTaskRow> & Pick<NewTaskRow, 'user_id'>,
): Promise<TaskRow> {
  return db
    .insertInto('tasks')
    .values({ title: 'Water the plants', ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts a reminder row for a task. */
export async function insertReminderRow(
  db: Db,
  row: Partial<NewReminderRow> & Pick<NewReminderRow, 'task_id' | 'user_id' | 'remind_at'>,
): Promise<ReminderRow> {
  return db.insertInto('reminders').values(row).returningAll().executeTakeFirstOrThrow();
}
