import {
  type Clock,
  claimDue,
  type Db,
  enqueueEvents,
  type Logger,
  leaseUpcoming,
  type Metrics,
  type OutboxRelay,
  purgeChangeHistory,
  reminderDueEvent,
} from '@nudge/core';
import type { HeldReminders } from './held-reminders.ts';

export interface ScanSettings {
  lookaheadMs: number;
  leaseGraceMs: number;
  batchSize: number;
  /** Tombstones of the change feed older than this are purged (and older cursors expire). */
  changeRetentionMs: number;
}

export interface ScanDeps {
  db: Db;
  relay: OutboxRelay;
  held: HeldReminders;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  settings: ScanSettings;
}

/** What one scan did; cron-scan answers it as JSON (snake_case). */
export interface ScanSummary {
  /** Reminders this scan took: dispatched now plus leased for later. */
  claimed: number;
  /** reminder.due events written by this scan (overdue or due now). */
  dispatched: number;
  /** Reminders leased and put on a timer for their exact time. */
  scheduled: number;
  /** Timers running in this process after the scan. */
  held: number;
  /** Outbox events published by the relay pass, and how many failed. */
  relayed: number;
  relay_failed: number;
  outbox_pending: number;
  /** Change-feed tombstones past the retention, purged by this scan. */
  tombstones_purged: number;
  duration_ms: number;
}

// Bounds one scan's work; whatever is left is picked up by the next scan 30 s later.
// One scan's work is bounded by time, not by count: it keeps claiming full batches for up to 20 s
// (two thirds of the 30 s interval). A count cap (it was 20 batches, 4,000 reminders) made a burst
// of 10,000 reminders due in one second take three scans: its tail went out a minute late.
const claimBudgetMs = 20_000;
// Leasing ahead only sets lease_until, and one process holds tens of thousands of timers easily.
const maxLeasedPerScan = 50_000;

/**
 * One scan: dispatch every due reminder (batch by batch, each batch's reminder.due events in the
 * same transaction as the claim), lease the ones due before the next scan for exact-time dispatch,
 * then relay the outbox — which also retries anything earlier kicks failed to publish — and purge
 * change-feed tombstones past their retention.
 */
export async function scan(deps: ScanDeps): Promise<ScanSummary> {
  const { db, relay, held, clock, metrics, settings } = deps;
  const started = performance.now();
  let dispatched = 0;
  for (;;) {
    const claimed = await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const rows = await claimDue(trx, now, settings.batchSize);
      await enqueueEvents(
        trx,
        rows.map((row) => reminderDueEvent(row, now)),
      );
      return rows.length;
    });
    dispatched += claimed;
    metrics.remindersDispatched.inc(claimed);
    if (claimed < settings.batchSize || performance.now() - started > claimBudgetMs) break;
  }

  const now = clock.now();
  const leased = await leaseUpcoming(db, {
    now,
    until: new Date(now.getTime() + settings.lookaheadMs),
    graceMs: settings.leaseGraceMs,
    limit: maxLeasedPerScan,
  });
  const scheduled = held.hold(leased);

  const relayed = await relay.relayPending();
  // Housekeeping rides on the scan: with nothing expired it is one index probe per table.
  const purged = await purgeChangeHistory(db, { now: clock.now(), retentionMs: settings.changeRetentionMs });
  const durationMs = performance.now() - started;
  metrics.cronScanDuration.observe(durationMs / 1000);
  return {
    claimed: dispatched + leased.length,
    dispatched,
    scheduled,
    held: held.size,
    relayed: relayed.published,
    relay_failed: relayed.failed,
    outbox_pending: relayed.pending,
    tombstones_purged: purged.tombstones,
    duration_ms: Math.round(durationMs),
  };
}
