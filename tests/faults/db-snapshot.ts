import type { Db } from '@nudge/core';
import { sql } from 'kysely';

// The outbox's publication bookkeeping (published_at, attempts, next_attempt_at, last_error) moves
// on its own as the relay works through earlier events: the digest covers what was written.
const tables = {
  users: sql`select id, email from users`,
  tasks: sql`select * from tasks`,
  reminders: sql`select * from reminders`,
  outbox: sql`select id, event_id, user_id, topic, event_type, cloud_event from outbox`,
  processed_events: sql`select * from processed_events`,
};

/** A digest of every row of every table: equal digests mean the request changed nothing. */
export async function databaseDigest(db: Db): Promise<string> {
  const parts = await Promise.all(
    Object.entries(tables).map(async ([table, rowsOf]) => {
      const { rows } = await sql<{ digest: string | null }>`
        select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from (${rowsOf}) t`.execute(
        db,
      );
      return `${table}:${rows[0]?.digest}`;
    }),
  );
  return parts.join(' ');
}
