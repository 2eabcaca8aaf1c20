import { type Db, upsertUser } from '@nudge/core';
import type { Principal } from './auth.ts';

/**
 * Records the caller in `users` (id = sub, email from the token). A per-instance memory of what
 * was last written skips the round trip for the common case of a known user with the same email.
 */
export function createUserRegistry(db: Db, capacity = 10_000) {
  const known = new Map<string, string | null>();
  return async function ensureUser(principal: Principal): Promise<void> {
    if (known.has(principal.sub) && known.get(principal.sub) === principal.email) return;
    await upsertUser(db, { id: principal.sub, email: principal.email });
    if (known.size >= capacity) known.clear();
    known.set(principal.sub, principal.email);
  };
}

export type EnsureUser = ReturnType<typeof createUserRegistry>;
