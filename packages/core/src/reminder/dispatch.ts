// cron-scan's side of a reminder: claim what is due, lease what is due before the next scan,
// dispatch the leased ones at their time, give leases back at shutdown. The only writer of
// `lease_until` and `dispatched_at` (a task change that moves a reminder resets the lease).
import { sql } from 'kysely';
import type { Db, ReminderRow, Trx } from '../db/database.ts';

/**
 * Not dispatched for its current time: never dispatched, or dispatched before a task edit moved
 * it later (task-api keeps `dispatched_at` when it moves a reminder). A dispatch always records
 * a time at or after `remind_at`, so a dispatched reminder never matches again by accident.
 */
const notDispatched = sql`(r.dispatched_at is null or r.dispatched_at < r.remind_at)`;

/** Free to lease at `now`: no live lease, and its task still open (joined as `t`). */
const leasable = (now: Date) =>
  sql`(r.lease_until is null or r.lease_until < ${now}) and r.status = 'pending' and ${notDispatched} and t.status = 'open'`;

/** What a reminder.due event needs. */
export type DueReminder = Pick<ReminderRow, 'id' | 'task_id' | 'user_id' | 'remind_at'>;

/** A reminder a scan leased ahead of its time, with the lease that proves it still holds it. */
export type LeasedReminder = DueReminder & { lease_until: Date };

/**
 * Locks up to `limit` reminders that are due (remind_at <= now), not yet dispatched and not held
 * by a live lease, and marks them dispatched — all inside the caller's transaction, which also
 * writes their events. SKIP LOCKED lets concurrent scans take disjoint sets. Reminders of
 * completed tasks are left alone (completing a task cancels its reminders; this is the backstop).
 */
export async function claimDue(trx: Trx, now: Date, limit: number): Promise<DueReminder[]> {
  const result = await sql<DueReminder>`
    with due as (
      select r.id from reminders r
      join tasks t on t.id = r.task_id
      where r.status = 'pending' and ${notDispatched} and r.remind_at <= ${now}
        and (r.lease_until is null or r.lease_until < ${now})
        and t.status = 'open'
      order by r.remind_at
      limit ${limit}
      for update of r skip locked
    )
    update reminders set dispatched_at = ${now}, lease_until = null, updated_at = ${now}
    from due where reminders.id = due.id
    returning reminders.id, reminders.task_id, reminders.user_id, reminders.remind_at`.execute(trx);
  return result.rows;
}

/**
 * Leases reminders due within (now, until] to this scan: each lease lasts until its reminder's
 * time plus `grace`. The holder dispatches at the exact time; if it dies, the lease lapses and
 * the next scan dispatches the reminder as due. Commits on its own: holding is not dispatching.
 */
export async function leaseUpcoming(
  db: Db | Trx,
  window: { now: Date; until: Date; graceMs: number; limit: number },
): Promise<LeasedReminder[]> {
  const graceSeconds = window.graceMs / 1000;
  const result = await sql<LeasedReminder>`
    with upcoming as (
      select r.id from reminders r
      join tasks t on t.id = r.task_id
      where ${leasable(window.now)}
        and r.remind_at > ${window.now} and r.remind_at <= ${window.until}
      order by r.remind_at
      limit ${window.limit}
      for update of r skip locked
    )
    update reminders
    set lease_until = reminders.remind_at + make_interval(secs => ${graceSeconds}), updated_at = ${window.now}
    from upcoming where reminders.id = upcoming.id
    returning reminders.id, reminders.task_id, reminders.user_id, reminders.remind_at, reminders.lease_until`.execute(
    db,
  );
  return result.rows;
}

/**
 * Leases one reminder as a scan would (late-set: cron-scan heard `reminder.scheduled` for it):
 * when it is due by `until`, free to lease, pending and its task open. One already due is leased
 * too, with its grace counted from now, and its holder dispatches it at once. Returns it, or
 * nothing when it is not this caller's to hold (another holder, moved, cancelled, sent).
 */
export async function leaseReminder(
  db: Db | Trx,
  target: { id: string; now: Date; until: Date; graceMs: number },
): Promise<LeasedReminder | undefined> {
  const result = await sql<LeasedReminder>`
    with one as (
      select r.id from reminders r
      join tasks t on t.id = r.task_id
      where r.id = ${target.id} and ${leasable(target.now)} and r.remind_at <= ${target.until}
      for update of r skip locked
    )
    update reminders
    set lease_until = greatest(reminders.remind_at, ${target.now}::timestamptz)
        + make_interval(secs => ${target.graceMs / 1000}),
      updated_at = ${target.now}
    from one where reminders.id = one.id
    returning reminders.id, reminders.task_id, reminders.user_id, reminders.remind_at, reminders.lease_until`.execute(
    db,
  );
  return result.rows[0];
}

/** The held set as parallel arrays for `unnest`: one statement whatever its size. */
function heldArrays(held: ReadonlyArray<{ id: string; lease_until: Date }>) {
  return {
    ids: held.map((h) => h.id),
    leases: held.map((h) => h.lease_until.toISOString()),
  };
}

/**
 * Dispatches held reminders, those this scan still holds: not dispatched, same lease, same time
 * (a task edit may have moved one), still pending and its task still open. Returns the ones
 * dispatched; any other changed hands and is someone else's business. One statement for the
 * whole set, so a burst due at one instant costs one round trip.
 */
export async function dispatchHeld(
  trx: Trx,
  held: readonly LeasedReminder[],
  now: Date,
): Promise<DueReminder[]> {
  if (held.length === 0) return [];
  const { ids, leases } = heldArrays(held);
  const result = await sql<DueReminder>`
    update reminders r set dispatched_at = greatest(${now}, r.remind_at), lease_until = null, updated_at = ${now}
    from tasks t, unnest(
      ${ids}::uuid[],
      ${leases}::timestamptz[],
      ${held.map((h) => h.remind_at.toISOString())}::timestamptz[]
    ) as h(id, lease_until, remind_at)
    where r.id = h.id and t.id = r.task_id and t.status = 'open'
      and r.status = 'pending' and ${notDispatched}
      -- JavaScript dates carry milliseconds, PostgreSQL microseconds: compare at the coarser one.
      and date_trunc('milliseconds', r.lease_until) = h.lease_until
      and date_trunc('milliseconds', r.remind_at) = h.remind_at
    returning r.id, r.task_id, r.user_id, r.remind_at`.execute(trx);
  return result.rows;
}

/**
 * Gives up leases this process holds (shutdown), so another replica's next scan takes them at
 * once. A lease that changed since (lapsed and taken over) is someone else's and stays. One
 * statement for the whole set: a process may hold tens of thousands.
 */
export async function releaseLeases(
  db: Db | Trx,
  held: ReadonlyArray<{ id: string; lease_until: Date }>,
): Promise<void> {
  if (held.length === 0) return;
  const { ids, leases } = heldArrays(held);
  await sql`
    update reminders r set lease_until = null
    from unnest(${ids}::uuid[], ${leases}::timestamptz[]) as h(id, lease_until)
    where r.id = h.id and date_trunc('milliseconds', r.lease_until) = h.lease_until`.execute(db);
}
