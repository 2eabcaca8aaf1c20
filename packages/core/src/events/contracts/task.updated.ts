import { z } from 'zod';
import type { TaskRow } from '../../db/database.ts';
import { buildEvent, type OutgoingEvent } from '../envelope.ts';
import type { Source } from '../event-types.ts';

/** `task.updated`: only the fields that changed, with their new values in API form. */
export const taskUpdatedPayload = z.object({
  task_id: z.uuid(),
  changes: z.record(z.string(), z.unknown()),
});
export type TaskUpdatedPayload = z.output<typeof taskUpdatedPayload>;

export function taskUpdatedEvent(
  row: Pick<TaskRow, 'id' | 'user_id'>,
  changes: Record<string, unknown>,
  source: Source,
  now: Date,
): OutgoingEvent<TaskUpdatedPayload> {
  return buildEvent({
    type: 'task.updated',
    source,
    userId: row.user_id,
    subject: row.id,
    time: now,
    payload: { task_id: row.id, changes },
  });
}
