import type { Logger } from '@nudge/core';
import type { ConsumerState } from './consumer-state.ts';
import type { InboundPolicy, SubscriptionPlan } from './dapr-resources.ts';
import { type AttemptResult, deliverBulkOnce, deliverOnce } from './delivery.ts';
import { retryDelays } from './retry-policy.ts';
import type { LogRecord } from './topic-log.ts';

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'dead-lettered' | 'dropped';

/** What the broker learns about each delivery, for /dev/events. */
export interface DeliveryReport {
  consumer: string;
  offset: number;
  status: DeliveryStatus;
  attempts: number;
  path?: string | undefined;
}

export interface ConsumerOptions {
  plan: SubscriptionPlan;
  appId: string;
  appUrl: string;
  policy: InboundPolicy;
  state: ConsumerState;
  logger: Logger;
  /** Publishes to the subscription's dead-letter topic; resolves once durable. */
  deadLetter: (record: LogRecord, topic: string) => Promise<void>;
  report: (report: DeliveryReport) => void;
  /** Deliveries in flight at once across partition keys (Kafka's partitions, roughly). */
  maxConcurrency?: number;
}

/**
 * Delivers one subscription's events to one app, as Dapr does for a Kafka consumer group: one
 * partition key's events strictly one after another and in order (the next waits until the
 * previous is acknowledged, dropped or dead-lettered), different keys concurrently.
 *
 * A bulk subscription (`bulkSubscribe.enabled`) gathers events into batches of up to
 * `maxMessagesCount`, sent when full or `maxAwaitDurationMs` after their first event, one bulk
 * request per route path. A key's events in one batch keep their order; a key with events in a
 * batch still in flight waits for that batch to settle before its next events are batched (as a
 * Kafka partition's batches follow one another). Each entry's status settles that entry alone:
 * SUCCESS acks it, DROP dead-letters it, RETRY keeps it for the next attempt under the resiliency
 * policy, which carries only the entries still pending; exhausted ones are dead-lettered.
 */
export class Consumer {
  readonly name: string;
  #options: ConsumerOptions;
  #queues = new Map<string, LogRecord[]>();
  #inFlight = 0;
  #waiting: (() => void)[] = [];
  #stopping = new AbortController();
  #running = new Set<Promise<void>>();
  /** Bulk mode: the batch being filled, its keys, its flush timer, and keys held by batches in flight. */
  #filling: LogRecord[] = [];
  #fillingKeys = new Set<string>();
  #flushTimer: NodeJS.Timeout | undefined;
  #heldKeys = new Set<string>();

  constructor(options: ConsumerOptions) {
    this.#options = options;
    this.name = `${options.plan.name}/${options.appId}`;
  }

  /** Queues a record unless this consumer already finished it (e.g. before a restart). */
  enqueue(record: LogRecord): void {
    if (this.#options.state.isDone(record.offset) || this.#stopping.signal.aborted) return;
    this.#options.report({ consumer: this.name, offset: record.offset, status: 'pending', attempts: 0 });
    // Kafka spreads keyless messages over partitions: treat each as its own key.
    const key = record.key ?? `#${record.offset}`;
    if (this.#options.plan.bulk) {
      this.#enqueueBulk(key, record);
      return;
    }
    const queue = this.#queues.get(key);
    if (queue) {
      queue.push(record);
      return;
    }
    this.#queues.set(key, [record]);
    const run = this.#drain(key).finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  #enqueueBulk(key: string, record: LogRecord): void {
    if (this.#heldKeys.has(key)) {
      const queue = this.#queues.get(key);
      if (queue) queue.push(record);
      else this.#queues.set(key, [record]);
      return;
    }
    const bulk = this.#options.plan.bulk!;
    this.#filling.push(record);
    this.#fillingKeys.add(key);
    if (this.#filling.length >= bulk.maxMessagesCount) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), bulk.maxAwaitDurationMs);
  }

  /** Sends the filling batch; when it settles, its keys' waiting events join the next batch. */
  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#filling.length === 0 || this.#stopping.signal.aborted) return;
    const batch = this.#filling;
    const keys = this.#fillingKeys;
    this.#filling = [];
    this.#fillingKeys = new Set();
    for (const key of keys) this.#heldKeys.add(key);
    const run = this.#processBatch(batch).finally(() => {
      this.#running.delete(run);
      for (const key of keys) {
        this.#heldKeys.delete(key);
        const waiting = this.#queues.get(key) ?? [];
        this.#queues.delete(key);
        for (const record of waiting) this.#enqueueBulk(key, record);
      }
    });
    this.#running.add(run);
  }

  /** One batch: routed per entry, then one bulk request per route path, all at once. */
  async #processBatch(batch: LogRecord[]): Promise<void> {
    const { plan, logger } = this.#options;
    const byPath = new Map<string, LogRecord[]>();
    const unrouted: LogRecord[] = [];
    for (const record of batch) {
      const path = plan.route(record.event);
      if (path === undefined) unrouted.push(record);
      else byPath.set(path, [...(byPath.get(path) ?? []), record]);
    }
    for (const record of unrouted) {
      logger.warn(
        { consumer: this.name, offset: record.offset, event_id: record.event.id },
        `no route matches ${String(record.event.type)}: dropped`,
      );
      await this.#finish(record, 'dropped', 0, undefined);
    }
    await Promise.all([...byPath].map(([path, records]) => this.#deliverBulk(path, records)));
  }

  async #deliverBulk(path: string, records: LogRecord[]): Promise<void> {
    const { plan, appId, appUrl, policy, logger, report } = this.#options;
    const nextDelay = retryDelays(policy.retry);
    let pending = records;
    for (let attempts = 1; ; attempts += 1) {
      const started = performance.now();
      await this.#acquire();
      let results: Map<string, AttemptResult>;
      try {
        results = await deliverBulkOnce(
          `${appUrl}${path}`,
          {
            topic: plan.topic,
            pubsub: plan.pubsub,
            items: pending.map((record) => ({ entryId: String(record.offset), event: record.event })),
          },
          { timeoutMs: policy.timeoutMs, signal: this.#stopping.signal },
        );
      } finally {
        this.#release();
      }
      if (this.#stopping.signal.aborted) return; // shutting down: redelivered after restart
      const retrying: LogRecord[] = [];
      const counts = { success: 0, drop: 0, retry: 0 };
      for (const record of pending) {
        const result = results.get(String(record.offset))!;
        counts[result.outcome] += 1;
        if (result.outcome === 'success') await this.#finish(record, 'delivered', attempts, path);
        else if (result.outcome === 'drop') await this.#finish(record, 'dropped', attempts, path);
        else retrying.push(record);
      }
      const line = {
        consumer: this.name,
        topic: plan.topic,
        app_id: appId,
        path,
        attempt: attempts,
        entries: pending.length,
        ...counts,
        duration_ms: Math.round(performance.now() - started),
      };
      const summary = `${plan.topic} bulk of ${pending.length} → ${appId}${path}`;
      if (retrying.length === 0) {
        logger.info(line, `delivered ${summary}`);
        return;
      }
      const delay = nextDelay();
      if (delay === undefined) {
        logger.error(line, `retries exhausted for ${retrying.length} entries of ${summary}`);
        for (const record of retrying) await this.#finish(record, 'dropped', attempts, path);
        return;
      }
      logger.warn(
        { ...line, retry_in_ms: Math.round(delay) },
        `retrying ${retrying.length} entries of ${summary}`,
      );
      for (const record of retrying) {
        report({ consumer: this.name, offset: record.offset, status: 'retrying', attempts, path });
      }
      pending = retrying;
      if (!(await this.#sleep(delay))) return;
    }
  }

  async #drain(key: string): Promise<void> {
    const queue = this.#queues.get(key)!;
    while (queue.length > 0 && !this.#stopping.signal.aborted) {
      await this.#process(queue[0]!);
      queue.shift();
    }
    this.#queues.delete(key);
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < (this.#options.maxConcurrency ?? 64)) {
      this.#inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight -= 1;
  }

  async #attempt(url: string, event: Record<string, unknown>): Promise<AttemptResult> {
    await this.#acquire();
    try {
      return await deliverOnce(url, event, {
        timeoutMs: this.#options.policy.timeoutMs,
        signal: this.#stopping.signal,
      });
    } finally {
      this.#release();
    }
  }

  async #process(record: LogRecord): Promise<void> {
    const { plan, appId, appUrl, policy, logger, report } = this.#options;
    const { event } = record;
    const fields = {
      consumer: this.name,
      topic: plan.topic,
      offset: record.offset,
      event_id: event.id,
      event_type: event.type,
      partition_key: record.key,
    };
    const path = plan.route(event);
    if (path === undefined) {
      // Dapr: an event no rule matches (and no default route) is skipped, and dead-lettered if it
      // can be (that is logged on its own). daprd logs the skip at debug: a filter subscription
      // (cron-scan's) skips most of its topic by design.
      logger.debug(fields, `no route matches ${String(event.type)}: skipped`);
      await this.#finish(record, 'dropped', 0, undefined);
      return;
    }
    const nextDelay = retryDelays(policy.retry);
    for (let attempts = 1; ; attempts += 1) {
      const started = performance.now();
      const result = await this.#attempt(`${appUrl}${path}`, event);
      if (this.#stopping.signal.aborted) return; // shutting down: redelivered after restart
      const line = {
        ...fields,
        app_id: appId,
        path,
        attempt: attempts,
        status: result.status,
        outcome: result.outcome,
        duration_ms: Math.round(performance.now() - started),
      };
      const summary = `${plan.topic}#${record.offset} ${String(event.type)} → ${appId}${path}: ${result.detail}`;
      if (result.outcome === 'success') {
        logger.info(line, `delivered ${summary}`);
        await this.#finish(record, 'delivered', attempts, path);
        return;
      }
      if (result.outcome === 'drop') {
        logger.warn(line, `dropped ${summary}`);
        await this.#finish(record, 'dropped', attempts, path);
        return;
      }
      const delay = nextDelay();
      if (delay === undefined) {
        logger.error(line, `retries exhausted ${summary}`);
        await this.#finish(record, 'dropped', attempts, path);
        return;
      }
      logger.warn({ ...line, retry_in_ms: Math.round(delay) }, `retrying ${summary}`);
      report({ consumer: this.name, offset: record.offset, status: 'retrying', attempts, path });
      if (!(await this.#sleep(delay))) return;
    }
  }

  /** Ends a delivery: a failed one goes to the dead-letter topic first (when there is one), then the ack. */
  async #finish(
    record: LogRecord,
    status: 'delivered' | 'dropped',
    attempts: number,
    path: string | undefined,
  ) {
    const { plan, state, logger, report, deadLetter } = this.#options;
    let final: DeliveryStatus = status;
    if (status === 'dropped' && plan.deadLetterTopic) {
      for (;;) {
        try {
          await deadLetter(record, plan.deadLetterTopic);
          break;
        } catch (error) {
          // The dead-letter topic is our own disk: keep trying rather than lose the event.
          logger.error({ err: error, consumer: this.name }, 'dead-letter publish failed; retrying');
          if (!(await this.#sleep(1_000))) return;
        }
      }
      logger.warn(
        {
          consumer: this.name,
          offset: record.offset,
          event_id: record.event.id,
          dead_letter_topic: plan.deadLetterTopic,
        },
        `dead-lettered ${plan.topic}#${record.offset} to ${plan.deadLetterTopic}`,
      );
      final = 'dead-lettered';
    } else if (status === 'dropped') {
      logger.warn(
        { consumer: this.name, offset: record.offset },
        `discarded ${plan.topic}#${record.offset}: no dead-letter topic`,
      );
    }
    state.ack(record.offset);
    report({ consumer: this.name, offset: record.offset, status: final, attempts, path });
  }

  /** Waits, unless the consumer stops first (then false). */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#stopping.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Abandons in-flight deliveries (they stay unacknowledged and are redelivered on restart). */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#flushTimer);
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.allSettled([...this.#running]);
    this.#options.state.close();
  }
}
