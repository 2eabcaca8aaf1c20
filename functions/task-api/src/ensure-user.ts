import type { Db } from '@nudge/core';
import { sql } from 'kysely';
import type { Principal } from './auth.ts';

/**
 * Records the caller in `users` (id = sub, email from the token). Writes only when the user is
 * new or the email changed; a per-instance memory of what was last written skips the round trip
 * for the common case of a known user with the same email.
 */
export function createUserRegistry(db: Db, capacity = 10_000) {
  const known = new Map<string, string | null>();
  return async function ensureUser(principal: Principal): Promise<void> {
    if (known.has(principal.sub) && known.get(principal.sub) === principal.email) return;
    let insert = db.insertInto('users').values({ id: principal.sub, email: principal.email });
    // A token without an email claim must not erase the address reminders are sent to.
    insert =
      principal.email === null
        ? insert.onConflict((oc) => oc.column('id').doNothing())
        : insert.onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet({ email: (eb) => eb.ref('excluded.email'), updated_at: sql`now()` })
              .where(sql<boolean>`users.email is distinct from excluded.email`),
          );
    await insert.execute();
    if (known.size >= capacity) known.clear();
    known.set(principal.sub, principal.email);
  };
}

export type EnsureUser = ReturnType<typeof createUserRegistry>;
