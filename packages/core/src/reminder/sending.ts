// on-reminder-due's side of a reminder: claim it for sending, then mark it sent, failed or give
// the claim back. The only writer of `send_claim_until` (a task change that moves a reminder resets it).
import type { Db } from '../db/database.ts';
import { recordProcessed } from '../delivery/processed-events.ts';
import type { ReminderStatus } from './status.ts';

/** A reminder claimed for sending, with what its email needs. */
export interface ReminderToSend {
  id: string;
  remind_at: Date;
  email: string;
  title: string;
  description: string | null;
  due_at: Date | null;
  timezone: string;
}

export type SendClaim =
  | { kind: 'gone' }
  | { kind: 'done'; status: ReminderStatus }
  | { kind: 'busy' }
  | { kind: 'moved' }
  | { kind: 'skipped'; reason: 'task_completed' | 'no_email' }
  | { kind: 'claimed'; reminder: ReminderToSend };

/** Stored error text is bounded: an SMTP server may answer with a whole transcript. */
const errorText = (error: string) => error.slice(0, 1000);

/**
 * Claims a reminder for sending, in a short transaction that locks its row: it must still be
 * pending, its task open, its user reachable, and no other delivery may hold the send claim
 * (`send_claim_until`). The claim counts an attempt and lasts `claimMs`, longer than one SMTP
 * exchange can take; a crashed sender's claim simply expires. Reminders that can never be sent
 * are marked `skipped` here.
 */
export async function claimForSending(
  db: Db,
  due: { reminderId: string; reminderTime: Date },
  now: Date,
  claimMs: number,
): Promise<SendClaim> {
  const { reminderId } = due;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('reminders as r')
      .innerJoin('tasks as t', 't.id', 'r.task_id')
      .leftJoin('users as u', 'u.id', 'r.user_id')
      .select([
        'r.id',
        'r.status',
        'r.remind_at',
        'r.send_claim_until',
        't.status as task_status',
        't.title',
        't.description',
        't.due_at',
        't.timezone',
        'u.email',
      ])
      .where('r.id', '=', reminderId)
      .forUpdate('r')
      .executeTakeFirst();
    if (!row) return { kind: 'gone' };
    if (row.status !== 'pending') return { kind: 'done', status: row.status };
    // A task edit moved the reminder later after this event was written: cron-scan dispatches it
    // again at its new time, so this event must not send it early.
    if (row.remind_at.getTime() > due.reminderTime.getTime() + 1_000) return { kind: 'moved' };
    if (row.send_claim_until && row.send_claim_until > now) return { kind: 'busy' };
    const skip = row.task_status !== 'open' ? 'task_completed' : !row.email ? 'no_email' : null;
    if (skip) {
      await trx
        .updateTable('reminders')
        .set({ status: 'skipped', last_error: skip, send_claim_until: null, updated_at: now })
        .where('id', '=', reminderId)
        .execute();
      return { kind: 'skipped', reason: skip };
    }
    await trx
      .updateTable('reminders')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        send_claim_until: new Date(now.getTime() + claimMs),
        updated_at: now,
      }))
      .where('id', '=', reminderId)
      .execute();
    return {
      kind: 'claimed',
      reminder: {
        id: row.id,
        remind_at: row.remind_at,
        email: row.email as string,
        title: row.title,
        description: row.description,
        due_at: row.due_at,
        timezone: row.timezone,
      },
    };
  });
}

/**
 * Marks the reminder sent — only ever after the SMTP server accepted the message — and records
 * the event processed in the same transaction.
 */
export async function markSent(
  db: Db,
  sent: { reminderId: string; sentAt: Date; consumer: string; eventId: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await recordProcessed(trx, sent.consumer, sent.eventId);
    await trx
      .updateTable('reminders')
      .set({
        status: 'sent',
        sent_at: sent.sentAt,
        send_claim_until: null,
        last_error: null,
        updated_at: sent.sentAt,
      })
      .where('id', '=', sent.reminderId)
      .execute();
  });
}

/** Gives the send claim back after a transient failure, so the redelivery can send at once. */
export async function releaseSendClaim(db: Db, reminderId: string, error: string, now: Date): Promise<void> {
  await db
    .updateTable('reminders')
    .set({ send_claim_until: null, last_error: errorText(error), updated_at: now })
    .where('id', '=', reminderId)
    .where('status', '=', 'pending')
    .execute();
}

/** The SMTP server refused the message for good. */
export async function markFailed(db: Db, reminderId: string, error: string, now: Date): Promise<void> {
  await db
    .updateTable('reminders')
    .set({ status: 'failed', send_claim_until: null, last_error: errorText(error), updated_at: now })
    .where('id', '=', reminderId)
    .execute();
}
