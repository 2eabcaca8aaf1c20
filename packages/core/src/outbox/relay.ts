import type { Db } from '../db/database.ts';
import type { NudgeCloudEvent } from '../events/envelope.ts';
import type { Topic } from '../events/event-types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Publisher } from '../publish/dapr-publisher.ts';
import type { Clock } from '../time/clock.ts';
import type { OutboxKick } from './relay-port.ts';
import {
  findDueHeads,
  lockHead,
  markFailed,
  markPublished,
  pendingForUser,
  pendingStats,
} from './repository.ts';

export interface RelaySummary {
  published: number;
  failed: number;
  /** Events still waiting after the pass (including those backing off). */
  pending: number;
}

/** The relay: `kick()` after a commit, `relayPending()` from cron-scan; both share one serial runner. */
export interface OutboxRelay extends OutboxKick {
  /** Publishes everything due now and resolves with what happened; rejects when the database fails. */
  relayPending(): Promise<RelaySummary>;
  /** Resolves once no pass is running or queued (graceful shutdown, tests). */
  idle(): Promise<void>;
}

export interface RelayBackoff {
  baseMs: number;
  maxMs: number;
}

export interface OutboxRelayDeps {
  db: Db;
  publisher: Publisher;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  /** Rows one user may publish per lock; the next pass continues. */
  batchSize?: number;
  /** Users visited per pass. */
  usersPerPass?: number;
  /**
   * Users relayed at once, each in its own transaction (a pool connection each). One user's rows
   * stay strictly serial; different users' publishes overlap, so a burst is not paced by one
   * sidecar round trip (and one broker fsync) per event.
   */
  userConcurrency?: number;
  backoff?: RelayBackoff;
  /** Failures in a row (across users) after which a pass gives up: the sidecar or broker is down. */
  maxConsecutiveFailures?: number;
}

/** Exponential backoff: base, 2×base, 4×base … capped at max. */
export function nextAttemptDelay(attempts: number, backoff: RelayBackoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Creates the outbox relay. Order: a user's rows are published in `outbox.id` order by whoever
 * holds the lock on that user's oldest unpublished row; a row that fails stays the head and holds
 * the user's later rows back until its backoff expires, while other users carry on. Several
 * processes may relay at once: `FOR UPDATE SKIP LOCKED` on the head means one publisher per user.
 * Delivery is at least once: a crash after the sidecar accepted a row but before the commit
 * publishes it again, which consumers absorb through their `processed_events` dedupe.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { db, publisher, metrics, logger, clock } = deps;
  const batchSize = deps.batchSize ?? 100;
  const usersPerPass = deps.usersPerPass ?? 200;
  const backoff = deps.backoff ?? { baseMs: 1_000, maxMs: 300_000 };
  const maxConsecutiveFailures = deps.maxConsecutiveFailures ?? 3;
  const userConcurrency = deps.userConcurrency ?? 4;

  async function relayUser(head: { id: number; user_id: string }, now: Date) {
    return db.transaction().execute(async (trx) => {
      const outcome = { published: 0, failed: 0, full: false, busy: false };
      if (!(await lockHead(trx, head.id, now))) {
        outcome.busy = true;
        return outcome;
      }
      const rows = await pendingForUser(trx, head.user_id, head.id, batchSize);
      for (const row of rows) {
        const topic = row.topic as Topic;
        try {
          await publisher.publish(topic, row.cloud_event as unknown as NudgeCloudEvent);
        } catch (error) {
          const attempts = row.attempts + 1;
          const message = error instanceof Error ? error.message : String(error);
          await markFailed(trx, row.id, {
            attempts,
            error: message,
            nextAttemptAt: new Date(clock.now().getTime() + nextAttemptDelay(attempts, backoff)),
          });
          metrics.eventPublishFailures.inc({ topic });
          logger.warn(
            { event_id: row.event_id, event_type: row.event_type, topic, attempts, err: message },
            'event publish failed; the user’s later events wait for its retry',
          );
          outcome.failed += 1;
          return outcome;
        }
        await markPublished(trx, row.id, clock.now());
        metrics.eventsPublished.inc({ topic, type: row.event_type });
        outcome.published += 1;
      }
      outcome.full = rows.length === batchSize;
      return outcome;
    });
  }

  async function pass(): Promise<RelaySummary> {
    let published = 0;
    let failed = 0;
    let consecutiveFailures = 0;
    // Repeat while some user filled a whole batch: their next rows are due too.
    for (let round = 0; round < 20; round += 1) {
      const now = clock.now();
      const heads = await findDueHeads(db, now, usersPerPass);
      let more = heads.length === usersPerPass;
      // A head another relay holds may gain rows that relay's snapshot missed (committed while it
      // published). Skipping it would strand them until the next kick or scan, so look again
      // shortly, once that relay has committed.
      let busy = false;
      let next = 0;
      const worker = async () => {
        while (next < heads.length && consecutiveFailures < maxConsecutiveFailures) {
          const outcome = await relayUser(heads[next++]!, now);
          published += outcome.published;
          failed += outcome.failed;
          consecutiveFailures =
            outcome.failed > 0 ? consecutiveFailures + 1 : outcome.published > 0 ? 0 : consecutiveFailures;
          more ||= outcome.full;
          busy ||= outcome.busy;
        }
      };
      // allSettled: a pass ends only when all its workers have, so passes never overlap.
      const results = await Promise.allSettled(
        Array.from({ length: Math.min(userConcurrency, heads.length) }, worker),
      );
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
      if (consecutiveFailures >= maxConsecutiveFailures || !(more || busy)) break;
      if (busy && !more) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stats = await pendingStats(db, clock.now());
    metrics.outboxPending.set(stats.count);
    metrics.outboxOldestAge.set(stats.oldestAgeSeconds);
    return { published, failed, pending: stats.count };
  }

  // One pass at a time per process; requests during a pass coalesce into one follow-up pass,
  // which sees everything committed before it starts.
  let running: Promise<RelaySummary> | null = null;
  let queued: Promise<RelaySummary> | null = null;

  function request(): Promise<RelaySummary> {
    if (!running) {
      running = pass().finally(() => {
        running = null;
      });
      return running;
    }
    if (!queued) {
      queued = running
        .catch(() => undefined)
        .then(() => {
          queued = null;
          return request();
        });
    }
    return queued;
  }

  return {
    kick() {
      // Deferred so the caller's response is not delayed; errors end here, rows stay for cron-scan.
      setImmediate(() => {
        request().catch((error: unknown) => {
          logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'outbox relay pass failed',
          );
        });
      });
    },
    relayPending: request,
    async idle() {
      // A kick schedules its pass on the next turn; let it start before looking.
      await new Promise((resolve) => setImmediate(resolve));
      while (running || queued) await (queued ?? running)?.catch(() => undefined);
    },
  };
}
