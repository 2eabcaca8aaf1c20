import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';

/**
 * Records a user (id = JWT `sub`) and their email. Writes only when the user is new or the email
 * changed; a null email (a token without the claim) never erases the address reminders go to.
 */
export async function upsertUser(db: Db | Trx, user: { id: string; email: string | null }): Promise<void> {
  const insert = db.insertInto('users').values({ id: user.id, email: user.email });
  await (user.email === null
    ? insert.onConflict((oc) => oc.column('id').doNothing())
    : insert.onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ email: (eb) => eb.ref('excluded.email'), updated_at: sql`now()` })
          .where(sql<boolean>`users.email is distinct from excluded.email`),
      )
  ).execute();
}
