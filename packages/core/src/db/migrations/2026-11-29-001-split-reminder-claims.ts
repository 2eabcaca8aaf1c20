// Frozen: this migration imports nothing from the app, so later code changes cannot alter it.
//
// `reminders.lease_until` had two writers with two meanings: cron-scan's lease on a reminder it
// holds for exact-time dispatch, and on-reminder-due's claim while it sends the email. The scan's
// lease keeps the column (and the partial index that serves the scan, which includes it); the
// send claim moves to a column of its own.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('reminders').addColumn('send_claim_until', 'timestamptz').execute();
  // A reminder dispatched for its current time has no scan lease (dispatch clears it), so a
  // lease_until it still carries is a sender's claim.
  await sql`
    update reminders set send_claim_until = lease_until, lease_until = null
    where lease_until is not null and dispatched_at is not null and dispatched_at >= remind_at`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update reminders set lease_until = send_claim_until
    where send_claim_until is not null and lease_until is null`.execute(db);
  await db.schema.alterTable('reminders').dropColumn('send_claim_until').execute();
}
