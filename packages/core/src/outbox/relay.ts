import type { Db, OutboxRow } from '../db/database.ts';
import type { NudgeCloudEvent } from '../events/envelope.ts';
import type { Topic } from '../events/event-types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Publisher } from '../publish/dapr-publisher.ts';
import type { Clock } from '../time/clock.ts';
import type { OutboxKick } from './relay-port.ts';
import {
  findDueHeads,
  lockHeads,
  markFailed,
  markPublished,
  pendingForHeads,
  pendingStats,
} from './repository.ts';

export interface RelaySummary {
  published: number;
  failed: number;
  /**
   * Events still waiting after the pass (including those backing off); measured by every
   * relayPending() pass, by kick passes at most once a second.
   */
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
   * Users relayed in one transaction: their heads locked in one statement, their rows read in
   * one, published in bulk requests that carry one event of each user, marked in one.
   */
  usersPerChunk?: number;
  /** Chunks relayed at once, each in its own transaction (a pool connection each). */
  chunkConcurrency?: number;
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
 *
 * Publishing is in bulk, in waves: each wave takes the next row of every user of the chunk and
 * sends one bulk request per topic. Dapr's bulk API promises no order among a request's entries,
 * so a user never has two rows in one request: the next is sent only once the previous one was
 * accepted. A failed entry therefore never has an accepted successor, and holds back only its user.
 * Delivery is at least once: a crash after the sidecar accepted rows but before the commit
 * publishes them again, with the same event ids, which consumers dedupe in `processed_events`.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { db, publisher, metrics, logger, clock } = deps;
  const batchSize = deps.batchSize ?? 100;
  const usersPerPass = deps.usersPerPass ?? 1_000;
  const usersPerChunk = deps.usersPerChunk ?? 250;
  const chunkConcurrency = deps.chunkConcurrency ?? 2;
  const backoff = deps.backoff ?? { baseMs: 1_000, maxMs: 300_000 };
  const maxConsecutiveFailures = deps.maxConsecutiveFailures ?? 3;

  async function recordFailure(trx: Parameters<typeof markFailed>[0], row: OutboxRow, message: string) {
    const topic = row.topic as Topic;
    const attempts = row.attempts + 1;
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
  }

  async function relayChunk(heads: ReadonlyArray<{ id: number; user_id: string }>, now: Date) {
    return db.transaction().execute(async (trx) => {
      const outcome = { published: 0, failed: 0, full: false, busy: false };
      const locked = await lockHeads(
        trx,
        heads.map((head) => head.id),
        now,
      );
      outcome.busy = locked.size < heads.length;
      const rows = await pendingForHeads(
        trx,
        heads.filter((head) => locked.has(head.id)),
        batchSize,
      );
      // Each user's rows, oldest first; a queue is dropped when one of its rows fails.
      const queues = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const queue = queues.get(row.user_id);
        if (queue) queue.push(row);
        else queues.set(row.user_id, [row]);
      }
      for (const queue of queues.values()) outcome.full ||= queue.length === batchSize;
      const published: OutboxRow[] = [];
      while (queues.size > 0) {
        const byTopic = new Map<Topic, OutboxRow[]>();
        for (const queue of queues.values()) {
          const row = queue[0]!;
          const topic = row.topic as Topic;
          const wave = byTopic.get(topic);
          if (wave) wave.push(row);
          else byTopic.set(topic, [row]);
        }
        const answers = await Promise.all(
          [...byTopic].map(async ([topic, wave]) => {
            try {
              const failed = await publisher.publishBulk(
                topic,
                wave.map((row) => row.cloud_event as unknown as NudgeCloudEvent),
              );
              return wave.map((row) => ({ row, error: failed.get(row.event_id) }));
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              return wave.map((row) => ({ row, error: message }));
            }
          }),
        );
        for (const { row, error } of answers.flat()) {
          const queue = queues.get(row.user_id)!;
          if (error === undefined) {
            published.push(row);
            queue.shift();
            if (queue.length === 0) queues.delete(row.user_id);
          } else {
            await recordFailure(trx, row, error);
            outcome.failed += 1;
            queues.delete(row.user_id);
          }
        }
      }
      await markPublished(
        trx,
        published.map((row) => row.id),
        clock.now(),
      );
      for (const row of published) metrics.eventsPublished.inc({ topic: row.topic, type: row.event_type });
      outcome.published = published.length;
      return outcome;
    });
  }

  async function pass(): Promise<RelaySummary> {
    // Taken at the start: a relayPending() arriving during this pass waits for the next one.
    const wanted = statsWanted;
    statsWanted = false;
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
      const chunks: Array<typeof heads> = [];
      for (let i = 0; i < heads.length; i += usersPerChunk) chunks.push(heads.slice(i, i + usersPerChunk));
      let next = 0;
      const worker = async () => {
        while (next < chunks.length && consecutiveFailures < maxConsecutiveFailures) {
          const outcome = await relayChunk(chunks[next++]!, now);
          published += outcome.published;
          failed += outcome.failed;
          // A chunk that published nothing but failed: the sidecar or broker is likely down.
          consecutiveFailures =
            outcome.published > 0 ? 0 : outcome.failed > 0 ? consecutiveFailures + 1 : consecutiveFailures;
          more ||= outcome.full;
          busy ||= outcome.busy;
        }
      };
      // allSettled: a pass ends only when all its workers have, so passes never overlap.
      const results = await Promise.allSettled(
        Array.from({ length: Math.min(chunkConcurrency, chunks.length) }, worker),
      );
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
      if (consecutiveFailures >= maxConsecutiveFailures || !(more || busy)) break;
      if (busy && !more) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The gauges cost a count over the pending rows: a pass someone waits for (cron-scan, shutdown)
    // measures; passes from kicks measure at most once a second, not once per write under load.
    if (wanted || clock.now().getTime() - statsAt >= statsIntervalMs) {
      const stats = await pendingStats(db, clock.now());
      statsAt = clock.now().getTime();
      lastPending = stats.count;
      metrics.outboxPending.set(stats.count);
      metrics.outboxOldestAge.set(stats.oldestAgeSeconds);
    }
    return { published, failed, pending: lastPending };
  }

  const statsIntervalMs = 1_000;
  let statsAt = Number.NEGATIVE_INFINITY;
  let statsWanted = false;
  let lastPending = 0;

  // One pass at a time per process; requests during a pass coalesce into one follow-up pass,
  // which sees everything committed before it starts.
  let running: Promise<RelaySummary> | null = null;
  let queued: Promise<RelaySummary> | null = null;
  let kickScheduled = false;

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
      // Deferred so the caller's response is not delayed; every kick of one turn (concurrent
      // requests committing together) makes one request. Errors end here, rows stay for cron-scan.
      if (kickScheduled) return;
      kickScheduled = true;
      setImmediate(() => {
        kickScheduled = false;
        request().catch((error: unknown) => {
          logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'outbox relay pass failed',
          );
        });
      });
    },
    relayPending() {
      statsWanted = true;
      return request();
    },
    async idle() {
      // A kick schedules its pass on the next turn; let it start before looking.
      await new Promise((resolve) => setImmediate(resolve));
      while (running || queued) await (queued ?? running)?.catch(() => undefined);
    },
  };
}
