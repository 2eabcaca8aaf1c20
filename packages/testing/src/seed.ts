import type { Db } from '@nudge/core';
import { sql } from 'kysely';

/*
 * Bulk fixtures written with INSERT ... SELECT generate_series: a million rows in seconds, and
 * exactly the rows task-api would write (users, open tasks, pending reminders).
 */

export const benchUserCount = 1_000;
export const benchEmail = (user: number) => `user-${user}@bench.example`;

/** Users `bench-<n>` with an email, shared by every fixture below. */
export async function seedUsers(db: Db, count = benchUserCount): Promise<void> {
  await sql`insert into users (id, email)
    select 'bench-' || n, 'user-' || n || '@bench.example' from generate_series(0, ${count - 1}::int) as n
    on conflict (id) do nothing`.execute(db);
}

/**
 * `count` open tasks with one pending reminder each, all due at `remindAt`; users round-robin.
 * Returns the reminders (the Message-IDs the SMTP sink will count derive from their ids).
 */
export async function seedDueReminders(db: Db, options: { count: number; remindAt: Date; label: string }) {
  await seedUsers(db);
  const { rows } = await sql<{ id: string; task_id: string; user_id: string }>`
    with new_tasks as (
      insert into tasks (user_id, title, due_at, timezone)
      select 'bench-' || (n % ${benchUserCount}::int), ${options.label} || ' #' || n,
             ${options.remindAt.toISOString()}::timestamptz + interval '1 hour', 'Europe/Berlin'
      from generate_series(1, ${options.count}::int) as n
      returning id, user_id
    )
    insert into reminders (task_id, user_id, remind_at)
    select id, user_id, ${options.remindAt.toISOString()}::timestamptz from new_tasks
    returning id, task_id, user_id`.execute(db);
  return rows;
}

/**
 * `count` pending reminders spread over the next 30 days, ten per task: the backlog a real
 * deployment carries, which the scan must not slow down on.
 */
export async function seedFutureReminders(db: Db, count: number): Promise<void> {
  await seedUsers(db);
  // In chunks of 100,000 reminders: each statement stays well inside the pool's statement timeout.
  const tasksPerChunk = 10_000;
  const tasks = Math.ceil(count / 10);
  for (let first = 1; first <= tasks; first += tasksPerChunk) {
    const last = Math.min(tasks, first + tasksPerChunk - 1);
    await sql`
      with new_tasks as (
        insert into tasks (user_id, title, due_at)
        select 'bench-' || (n % ${benchUserCount}::int), 'Future task #' || n, now() + interval '31 days'
        from generate_series(${first}::int, ${last}::int) as n
        returning id, user_id
      )
      insert into reminders (task_id, user_id, remind_at)
      select t.id, t.user_id, now() + interval '1 hour' + random() * interval '30 days'
      from new_tasks t cross join generate_series(1, 10) as k
      limit ${Math.min(count - (first - 1) * 10, (last - first + 1) * 10)}::int`.execute(db);
  }
  await sql`analyze tasks`.execute(db);
  await sql`analyze reminders`.execute(db);
}
