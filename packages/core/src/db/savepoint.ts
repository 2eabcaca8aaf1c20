import { sql } from 'kysely';
import type { Trx } from './database.ts';

/**
 * Runs `work` inside a savepoint of the caller's transaction: when it throws, only its own writes
 * are rolled back and the transaction goes on (a batch isolates one bad item this way); the error
 * is rethrown for the caller to classify. A broken connection fails the rollback too, and that
 * error ends the whole transaction, as it must.
 */
export async function withSavepoint<T>(trx: Trx, work: () => Promise<T>): Promise<T> {
  await sql`savepoint item`.execute(trx);
  try {
    const result = await work();
    await sql`release savepoint item`.execute(trx);
    return result;
  } catch (error) {
    await sql`rollback to savepoint item`.execute(trx);
    throw error;
  }
}
