/**
 * What a writer needs from the outbox relay: a nudge, right after its transaction commits, to
 * publish what it just wrote. `kick` never throws and never blocks the caller; events it cannot
 * publish stay in the outbox for cron-scan's retry pass.
 */
export interface OutboxKick {
  kick(): void;
}
