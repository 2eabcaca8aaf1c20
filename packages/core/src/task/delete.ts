import type { Db } from '../db/database.ts';
import { reminderCancelledEvent } from '../events/contracts/reminder.cancelled.ts';
import { taskDeletedEvent } from '../events/contracts/task.deleted.ts';
import { sources } from '../events/event-types.ts';
import { enqueueEvents } from '../outbox/enqueue.ts';
import { deleteRemindersOfTask } from '../reminder/repository.ts';
import { lockTaskRow } from './repository.ts';

/** `DELETE /api/tasks/{id}`: removes the task and its reminders; pending ones are announced cancelled. */
export async function deleteTask(db: Db, userId: string, id: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await lockTaskRow(trx, userId, id);
    const reminders = await deleteRemindersOfTask(trx, id);
    await trx.deleteFrom('tasks').where('id', '=', id).execute();
    await enqueueEvents(trx, [
      ...reminders
        .filter((r) => r.status === 'pending')
        .map((r) => reminderCancelledEvent(r, sources.taskApi, now)),
      taskDeletedEvent(row, sources.taskApi, now),
    ]);
  });
}
