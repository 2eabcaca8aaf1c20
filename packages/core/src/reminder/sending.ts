// on-reminder-due's side of a reminder: claim it for sending, then mark it sent, failed or give
// the claim back — each one statement for a whole batch. The only writer of `send_claim_until` (a task change that moves a reminder resets it).
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
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

interface ClaimRow {
  id: string;
  verdict: 'done' | 'moved' | 'busy' | 'task_completed' | 'no_email' | 'claimed';
  status: ReminderStatus;
  remind_at: Date;
  email: string | null;
  title: string;
  description: string | null;
  due_at: Date | null;
  timezone: string;
}

/**
 * Claims reminders for sending, all in one statement that locks their rows (in id order, so two
 * concurrent batches cannot deadlock): each must still be pending, not moved later than the
 * event's time, its task open, its user reachable, and no other delivery may hold its send claim
 * (`send_claim_until`). The claim counts an attempt and lasts `claimMs`, longer than one SMTP
 * exchange can take; a crashed sender's claim simply expires. Reminders that can never be sent
 * are marked `skipped` in the same statement. Answers one SendClaim per input, in order; a
 * reminder listed twice is claimed once (the repeats answer `busy`).
 */
export async function claimForSendingBatch(
  db: Db,
  due: readonly { reminderId: string; reminderTime: Date }[],
  now: Date,
  claimMs: number,
): Promise<SendClaim[]> {
  if (due.length === 0) return [];
  const ids = due.map((d) => d.reminderId);
  const times = due.map((d) => d.reminderTime.toISOString());
  const claimUntil = new Date(now.getTime() + claimMs);
  const { rows } = await sql<ClaimRow>`
    with input as (
      select distinct on (reminder_id) reminder_id, reminder_time
      from unnest(${ids}::uuid[], ${times}::timestamptz[]) as i(reminder_id, reminder_time)
      order by reminder_id, reminder_time
    ), locked as (
      select r.id, r.status, r.remind_at, r.send_claim_until, t.status as task_status, t.title,
             t.description, t.due_at, t.timezone, u.email, i.reminder_time
      from input i
      join reminders r on r.id = i.reminder_id
      join tasks t on t.id = r.task_id
      left join users u on u.id = r.user_id
      order by r.id
      for update of r
    ), decided as (
      select l.*, case
        when l.status <> 'pending' then 'done'
        -- A task edit moved the reminder later after this event was written: cron-scan
        -- dispatches it again at its new time, so this event must not send it early.
        when l.remind_at > l.reminder_time + interval '1 second' then 'moved'
        when l.send_claim_until > ${now} then 'busy'
        when l.task_status <> 'open' then 'task_completed'
        when coalesce(l.email, '') = '' then 'no_email'
        else 'claimed' end as verdict
      from locked l
    ), updated as (
      update reminders r set
        status = case when d.verdict = 'claimed' then r.status else 'skipped' end,
        last_error = case when d.verdict = 'claimed' then r.last_error else d.verdict end,
        send_claim_until = case when d.verdict = 'claimed' then ${claimUntil}::timestamptz end,
        attempts = r.attempts + case when d.verdict = 'claimed' then 1 else 0 end,
        updated_at = ${now}
      from decided d
      where r.id = d.id and d.verdict in ('claimed', 'task_completed', 'no_email')
      returning r.id
    )
    select id, verdict, status, remind_at, email, title, description, due_at, timezone from decided
  `.execute(db);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const seen = new Set<string>();
  return due.map(({ reminderId }): SendClaim => {
    const row = byId.get(reminderId);
    if (!row) return { kind: 'gone' };
    if (seen.has(reminderId)) return { kind: 'busy' };
    seen.add(reminderId);
    switch (row.verdict) {
      case 'done':
        return { kind: 'done', status: row.status };
      case 'moved':
      case 'busy':
        return { kind: row.verdict };
      case 'task_completed':
      case 'no_email':
        return { kind: 'skipped', reason: row.verdict };
    }
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

/** claimForSendingBatch for one reminder. */
export async function claimForSending(
  db: Db,
  due: { reminderId: string; reminderTime: Date },
  now: Date,
  claimMs: number,
): Promise<SendClaim> {
  return (await claimForSendingBatch(db, [due], now, claimMs))[0]!;
}

/**
 * Marks reminders sent — only ever after the SMTP server accepted each message — and records
 * their events processed, in one statement (so both or neither commit).
 */
export async function markSent(
  db: Db,
  sent: { reminderIds: readonly string[]; eventIds: readonly string[]; sentAt: Date; consumer: string },
): Promise<void> {
  if (sent.reminderIds.length === 0) return;
  await sql`
    with recorded as (
      insert into processed_events (consumer, event_id)
      select ${sent.consumer}, id from unnest(${[...sent.eventIds]}::uuid[]) as e(id)
      on conflict (consumer, event_id) do nothing
    )
    update reminders set status = 'sent', sent_at = ${sent.sentAt}, send_claim_until = null,
      last_error = null, updated_at = ${sent.sentAt}
    where id = any(${[...sent.reminderIds]}::uuid[])
  `.execute(db);
}

/** Gives send claims back after a transient failure, so the redeliveries can send at once. */
export async function releaseSendClaim(
  db: Db,
  released: readonly { reminderId: string; error: string }[],
  now: Date,
): Promise<void> {
  if (released.length === 0) return;
  await sql`
    update reminders r set send_claim_until = null, last_error = f.error, updated_at = ${now}
    from unnest(${released.map((f) => f.reminderId)}::uuid[], ${released.map((f) => errorText(f.error))}::text[])
      as f(id, error)
    where r.id = f.id and r.status = 'pending'
  `.execute(db);
}

/** The SMTP server refused these messages for good. */
export async function markFailed(
  db: Db,
  failed: readonly { reminderId: string; error: string }[],
  now: Date,
): Promise<void> {
  if (failed.length === 0) return;
  await sql`
    update reminders r set status = 'failed', send_claim_until = null, last_error = f.error, updated_at = ${now}
    from unnest(${failed.map((f) => f.reminderId)}::uuid[], ${failed.map((f) => errorText(f.error))}::text[])
      as f(id, error)
    where r.id = f.id
  `.execute(db);
}
