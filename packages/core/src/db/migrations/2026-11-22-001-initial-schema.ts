// Frozen: this migration imports nothing from the app, so later code changes cannot alter it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('priority', 'text', (c) =>
      c.notNull().defaultTo('medium').check(sql`priority in ('low', 'medium', 'high', 'urgent')`),
    )
    .addColumn('priority_rank', 'smallint', (c) =>
      c
        .generatedAlwaysAs(
          sql`case priority when 'urgent' then 4 when 'high' then 3 when 'medium' then 2 else 1 end`,
        )
        .stored(),
    )
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('open').check(sql`status in ('open', 'completed')`),
    )
    .addColumn('completed_at', 'timestamptz')
    .addColumn('due_at', 'timestamptz')
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('recurrence_rule', 'text')
    .addColumn('recurrence_from', 'text', (c) => c.check(sql`recurrence_from in ('due', 'completion')`))
    .addColumn('series_id', 'uuid')
    .addColumn('series_anchor_at', 'timestamptz')
    .addColumn('series_index', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('parent_task_id', 'uuid', (c) => c.references('tasks.id').onDelete('set null'))
    .addColumn('import_source_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'tasks_recurrence_complete',
      sql`(recurrence_rule is null) = (recurrence_from is null)`,
    )
    .addCheckConstraint('tasks_recurrence_needs_due', sql`recurrence_rule is null or due_at is not null`)
    .execute();

  // The list endpoint filters by user and status and orders by one sort key, ties broken by id (keyset cursor).
  for (const key of ['due_at', 'priority_rank', 'created_at', 'updated_at', 'title']) {
    await sql`create index ${sql.id(`tasks_user_status_${key}_idx`)} on tasks (user_id, status, ${sql.id(key)}, id)`.execute(
      db,
    );
  }
  await sql`create index tasks_tags_idx on tasks using gin (tags)`.execute(db);
  // Case-insensitive substring search over title and description (`q=`), served by trigrams.
  await sql`create index tasks_search_idx on tasks using gin ((title || ' ' || coalesce(description, '')) gin_trgm_ops)`.execute(
    db,
  );
  // Exactly one next occurrence per completed task, whatever the number of deliveries or instances.
  await sql`create unique index tasks_one_next_occurrence_idx on tasks (parent_task_id) where parent_task_id is not null`.execute(
    db,
  );
  await sql`create unique index tasks_import_source_idx on tasks (user_id, import_source_id) where import_source_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('reminders')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('remind_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sent', 'cancelled', 'failed', 'skipped')`),
    )
    .addColumn('sent_at', 'timestamptz')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('dispatched_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('reminders_task_idx').on('reminders').column('task_id').execute();
  // The scan reads only pending reminders in time order: a small partial index however many are sent.
  await sql`create index reminders_pending_due_idx on reminders (remind_at) include (lease_until) where status = 'pending'`.execute(
    db,
  );

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('cloud_event', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .execute();
  await sql`create index outbox_pending_by_user_idx on outbox (user_id, id) where published_at is null`.execute(
    db,
  );
  await sql`create index outbox_pending_by_time_idx on outbox (next_attempt_at) where published_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('processed_events')
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('processed_events_pk', ['consumer', 'event_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['processed_events', 'outbox', 'reminders', 'tasks', 'users']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
