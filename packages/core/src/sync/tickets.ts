import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';

/** How long a stream ticket may wait before it opens a stream. */
export const ticketTtlMs = 60_000;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
const ticketPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * A single-use, 60-second ticket that opens one event stream for the user: what a browser's
 * EventSource (which cannot send an Authorization header) puts in the URL instead of the JWT.
 * 256 random bits; only its hash is stored.
 */
export async function createStreamTicket(
  db: Db,
  userId: string,
  now: Date,
): Promise<{ ticket: string; expires_at: string }> {
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ticketTtlMs);
  await db
    .insertInto('stream_tickets')
    .values({ ticket_hash: hash(ticket), user_id: userId, expires_at: expiresAt })
    .execute();
  return { ticket, expires_at: expiresAt.toISOString() };
}

/**
 * The user a ticket was issued to; the ticket is gone afterwards. `DELETE … RETURNING` makes the
 * single use hold across replicas: of two concurrent uses, exactly one gets the row.
 */
export async function redeemStreamTicket(db: Db, ticket: string, now: Date): Promise<string> {
  const invalid = new AppError(
    'unauthorized',
    'stream ticket is invalid, used or expired; request a new one',
  );
  if (!ticketPattern.test(ticket)) throw invalid;
  const row = await db
    .deleteFrom('stream_tickets')
    .where('ticket_hash', '=', hash(ticket))
    .returning(['user_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.expires_at <= now) throw invalid;
  return row.user_id;
}
