import { z } from 'zod';
import type { TaskRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';

/** `task.deleted`: the task and its reminders are gone. */
export const taskDeletedPayload = z.object({ task_id: z.uuid() });
export type TaskDeletedPayload = z.output<typeof taskDeletedPayload>;

export function taskDeletedEvent(
  row: Pick<TaskRow, 'id' | 'user_id'>,
  source: Source,
  now: Date,
): OutgoingEvent<TaskDeletedPayload> {
  return buildEvent({
    type: 'task.deleted',
    source,
    userId: row.user_id,
    subject: row.id,
    time: now,
    payload: { task_id: row.id },
  });
}
