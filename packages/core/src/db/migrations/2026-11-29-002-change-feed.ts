// Frozen: this migration imports nothing from the app, so later code changes cannot alter it.
import { type Kysely, sql } from 'kysely';

/**
 * The change feed (issue 10): a per-user change counter, one row per task saying at which seq it
 * last changed (or was deleted: a tombstone), and single-use stream tickets.
 *
 * Every writer — task-api, on-task-completed, on-reminder-due, cron-scan — advances the cursor
 * through triggers, with no code of its own. The triggers are DEFERRED constraint triggers: they
 * run when the transaction commits, after all its statements, so the per-user counter row is the
 * LAST lock a transaction takes and it holds it only for the instant of its commit. Taking it at
 * write time instead (a BEFORE trigger) would put a per-user lock in the middle of every
 * transaction and deadlock existing lock orders (task-api locks task → reminders; on-reminder-due
 * locks a reminder, and bumping its task would then wait for the task). Holding the counter row
 * until commit makes one user's seqs commit in seq order, which is what lets a reader trust that
 * everything up to the counter it sees is visible to it. See docs/architecture.md, "Change feed".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_changes')
    // No foreign key to users: tombstones of a deleted user's tasks still need a counter.
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0))
    // Tombstones up to this seq have been purged: an older cursor may have missed a deletion.
    .addColumn('expired_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('task_changes')
    // One row per task, live or deleted: the feed answers each changed task once, at its latest seq.
    .addColumn('task_id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    // Set when the task no longer exists: the row is then a tombstone, purged after the retention.
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`create index task_changes_user_seq_idx on task_changes (user_id, seq)`.execute(db);
  await sql`create index task_changes_tombstones_idx on task_changes (deleted_at) where deleted_at is not null`.execute(
    db,
  );

  // Records that a task changed, once per task per transaction. Runs at commit (deferred), so
  // `deleted` reflects the transaction's final state whichever of its statements came last.
  await sql`
    create function nudge_record_task_change(p_user_id text, p_task_id uuid) returns void
    language plpgsql as $$
    declare
      next_seq bigint;
    begin
      -- Already recorded by this transaction (a task and its reminders changed together): one seq is enough.
      if exists (select 1 from task_changes where task_id = p_task_id and xmin = pg_current_xact_id()::xid) then
        return;
      end if;
      insert into user_changes as u (user_id, seq) values (p_user_id, 1)
        on conflict (user_id) do update set seq = u.seq + 1
        returning seq into next_seq;
      insert into task_changes (task_id, user_id, seq, deleted_at)
        values (p_task_id, p_user_id, next_seq,
                case when exists (select 1 from tasks where id = p_task_id) then null else now() end)
        on conflict (task_id) do update
          set user_id = excluded.user_id, seq = excluded.seq, deleted_at = excluded.deleted_at;
      -- Payload = user id only, so PostgreSQL folds one transaction's duplicates; sent on commit only.
      perform pg_notify('nudge_changes', p_user_id);
    end $$`.execute(db);

  await sql`
    create function nudge_task_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform nudge_record_task_change(old.user_id, old.id);
      else
        perform nudge_record_task_change(new.user_id, new.id);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function nudge_reminder_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform nudge_record_task_change(old.user_id, old.task_id);
      else
        perform nudge_record_task_change(new.user_id, new.task_id);
      end if;
      return null;
    end $$`.execute(db);

  await sql`
    create constraint trigger tasks_changed after insert or delete on tasks
    deferrable initially deferred for each row execute function nudge_task_changed()`.execute(db);
  await sql`
    create constraint trigger tasks_updated after update on tasks
    deferrable initially deferred for each row
    when (old.* is distinct from new.*)
    execute function nudge_task_changed()`.execute(db);
  await sql`
    create constraint trigger reminders_changed after insert or delete on reminders
    deferrable initially deferred for each row execute function nudge_reminder_changed()`.execute(db);
  // Only what the API shows: cron-scan's claims and leases (dispatched_at, lease_until, attempts…)
  // never name these columns, so their bulk statements queue no trigger event at all.
  await sql`
    create constraint trigger reminders_updated after update of status, sent_at, remind_at, "before" on reminders
    deferrable initially deferred for each row
    when ((old.status, old.sent_at, old.remind_at, old."before") is distinct from (new.status, new.sent_at, new.remind_at, new."before"))
    execute function nudge_reminder_changed()`.execute(db);

  await db.schema
    .createTable('stream_tickets')
    // SHA-256 of the ticket: a leaked table cannot open anyone's stream.
    .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_tickets_expiry_idx')
    .on('stream_tickets')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stream_tickets').ifExists().execute();
  for (const [trigger, table] of [
    ['tasks_changed', 'tasks'],
    ['tasks_updated', 'tasks'],
    ['reminders_changed', 'reminders'],
    ['reminders_updated', 'reminders'],
  ] as const) {
    await sql`drop trigger if exists ${sql.id(trigger)} on ${sql.id(table)}`.execute(db);
  }
  await sql`drop function if exists nudge_task_changed(), nudge_reminder_changed(), nudge_record_task_change(text, uuid)`.execute(
    db,
  );
  await db.schema.dropTable('task_changes').ifExists().execute();
  await db.schema.dropTable('user_changes').ifExists().execute();
}
