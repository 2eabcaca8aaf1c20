import type { Logger } from '@nudge/core';
import type { ConsumerState } from './consumer-state.ts';
import type { InboundPolicy, SubscriptionPlan } from './dapr-resources.ts';
import { type AttemptResult, deliverOnce } from './delivery.ts';
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
 */
export class Consumer {
  readonly name: string;
  #options: ConsumerOptions;
  #queues = new Map<string, LogRecord[]>();
  #inFlight = 0;
  #waiting: (() => void)[] = [];
  #stopping = new AbortController();
  #running = new Set<Promise<void>>();

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
    const queue = this.#queues.get(key);
    if (queue) {
      queue.push(record);
      return;
    }
    this.#queues.set(key, [record]);
    const run = this.#drain(key).finally(() => this.#running.delete(run));
    this.#running.add(run);
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
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.allSettled([...this.#running]);
    this.#options.state.close();
  }
}
