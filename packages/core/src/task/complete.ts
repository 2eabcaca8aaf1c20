import type { Db } from '../db/database.ts';
import { notFound } from '../errors/app-error.ts';
import { reminderCancelledEvent } from '../events/contracts/reminder.cancelled.ts';
import { reminderScheduledEvent } from '../events/contracts/reminder.scheduled.ts';
import { taskCompletedEvent } from '../events/contracts/task.completed.ts';
import { taskUpdatedEvent } from '../events/contracts/task.updated.ts';
import { sources } from '../events/event-types.ts';
import { enqueueEvents } from '../outbox/enqueue.ts';
import { changeReminderStatus, remindersOfTasks } from '../reminder/repository.ts';
import { getTask, isTaskId } from './repository.ts';
import { type TaskView, toTaskView } from './view.ts';

const source = sources.taskApi;

/**
 * `POST /api/tasks/{id}/complete`. The conditional update is the idempotency guard: of two
 * concurrent completes exactly one matches `status = 'open'`, so exactly one `task.completed` is
 * written; the other (and any later repeat) returns the task unchanged and writes nothing.
 */
export async function completeTask(db: Db, userId: string, id: string, now: Date): Promise<TaskView> {
  if (!isTaskId(id)) throw notFound('task');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('tasks')
      .set({ status: 'completed', completed_at: now, updated_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (!row) return getTask(trx, userId, id);
    const cancelled = await changeReminderStatus(trx, id, { from: 'pending', to: 'cancelled' }, now);
    await enqueueEvents(trx, [
      taskCompletedEvent(row, source, now),
      ...cancelled.map((r) => reminderCancelledEvent(r, source, now)),
    ]);
    return toTaskView(row, await remindersOfTasks(trx, [id]));
  });
}

/**
 * `POST /api/tasks/{id}/reopen`: back to open; reminders that completion cancelled and whose time
 * is still ahead become pending again. Reopening an open task changes nothing.
 */
export async function reopenTask(db: Db, userId: string, id: string, now: Date): Promise<TaskView> {
  if (!isTaskId(id)) throw notFound('task');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('tasks')
      .set({ status: 'open', completed_at: null, updated_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', '=', 'completed')
      .returningAll()
      .executeTakeFirst();
    if (!row) return getTask(trx, userId, id);
    const revived = await changeReminderStatus(
      trx,
      id,
      { from: 'cancelled', to: 'pending', after: now },
      now,
    );
    await enqueueEvents(trx, [
      taskUpdatedEvent(row, { status: 'open', completed_at: null }, source, now),
      ...revived.map((r) => reminderScheduledEvent(r, source, now)),
    ]);
    return toTaskView(row, await remindersOfTasks(trx, [id]));
  });
}
