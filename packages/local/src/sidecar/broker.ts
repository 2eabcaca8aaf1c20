import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nudge/core';
import { Consumer, type DeliveryReport, type DeliveryStatus } from './consumer.ts';
import { ConsumerState } from './consumer-state.ts';
import type { DaprResources } from './dapr-resources.ts';
import { type LogRecord, TopicLog } from './topic-log.ts';

export interface RecentEvent {
  pubsub: string;
  topic: string;
  offset: number;
  partition_key: string | null;
  published_at: string;
  event: Record<string, unknown>;
  deliveries: Record<string, { status: DeliveryStatus; attempts: number; path?: string | undefined }>;
}

export interface BrokerOptions {
  /** Folder for topic logs and consumer offsets (DATA_DIR/broker). */
  dir: string;
  resources: DaprResources;
  /** app id → base URL of the app (http://127.0.0.1:8081). */
  apps: Map<string, string>;
  logger: Logger;
  /** Events kept in memory per topic for /dev/events. */
  recentLimit?: number;
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * The stand-in for Kafka plus Dapr's subscriber side: durable topics (one log per pub/sub and
 * topic), one consumer per subscription and scoped app, dead-letter topics, and recent events.
 */
export class Broker {
  #options: BrokerOptions;
  #logs = new Map<string, Promise<TopicLog>>();
  #consumers = new Map<string, Consumer[]>();
  #recent = new Map<string, RecentEvent[]>();
  #recentByOffset = new Map<string, Map<number, RecentEvent>>();

  private constructor(options: BrokerOptions) {
    this.#options = options;
  }

  /** Opens every existing topic and redelivers what its consumers had not finished before. */
  static async start(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    await broker.#createConsumers();
    const topicsDir = join(options.dir, 'topics');
    const pubsubs = await readdir(topicsDir).catch(() => [] as string[]);
    for (const pubsub of pubsubs) {
      for (const file of await readdir(join(topicsDir, pubsub))) {
        if (file.endsWith('.jsonl')) await broker.#log(pubsub, file.slice(0, -'.jsonl'.length));
      }
    }
    for (const plan of options.resources.subscriptions) await broker.#log(plan.pubsub, plan.topic);
    return broker;
  }

  async #createConsumers(): Promise<void> {
    const { resources, apps, logger, dir } = this.#options;
    for (const plan of resources.subscriptions) {
      const appIds = plan.scopes ?? [...apps.keys()];
      for (const appId of appIds) {
        const appUrl = apps.get(appId);
        if (!appUrl) {
          logger.warn(
            { subscription: plan.name, app_id: appId },
            `subscription ${plan.name}: no local port for app ${appId}; skipped`,
          );
          continue;
        }
        const consumer = new Consumer({
          plan,
          appId,
          appUrl,
          policy: resources.inbound.get(plan.pubsub) ?? {},
          state: await ConsumerState.open(
            join(dir, 'consumers'),
            safe(`${plan.pubsub}.${plan.topic}.${plan.name}.${appId}`),
          ),
          logger,
          deadLetter: async (record, topic) => {
            await this.publish(plan.pubsub, topic, record.event, record.key);
          },
          report: (report) => this.#report(plan.pubsub, plan.topic, report),
        });
        const id = `${plan.pubsub}/${plan.topic}`;
        this.#consumers.set(id, [...(this.#consumers.get(id) ?? []), consumer]);
      }
    }
  }

  /** Opens a topic's log once; replays its records into memory and into unfinished consumers. */
  #log(pubsub: string, topic: string): Promise<TopicLog> {
    const id = `${pubsub}/${topic}`;
    let log = this.#logs.get(id);
    if (!log) {
      log = TopicLog.open(join(this.#options.dir, 'topics', safe(pubsub), `${safe(topic)}.jsonl`)).then(
        ({ log, records }) => {
          for (const record of records) this.#accept(pubsub, topic, record);
          return log;
        },
      );
      this.#logs.set(id, log);
    }
    return log;
  }

  #accept(pubsub: string, topic: string, record: LogRecord): void {
    const id = `${pubsub}/${topic}`;
    const recent: RecentEvent = {
      pubsub,
      topic,
      offset: record.offset,
      partition_key: record.key ?? null,
      published_at: record.published_at,
      event: record.event,
      deliveries: {},
    };
    const list = this.#recent.get(id) ?? [];
    const byOffset = this.#recentByOffset.get(id) ?? new Map<number, RecentEvent>();
    list.push(recent);
    byOffset.set(record.offset, recent);
    if (list.length > (this.#options.recentLimit ?? 1000)) byOffset.delete(list.shift()!.offset);
    this.#recent.set(id, list);
    this.#recentByOffset.set(id, byOffset);
    for (const consumer of this.#consumers.get(id) ?? []) consumer.enqueue(record);
  }

  #report(pubsub: string, topic: string, report: DeliveryReport): void {
    const recent = this.#recentByOffset.get(`${pubsub}/${topic}`)?.get(report.offset);
    if (recent)
      recent.deliveries[report.consumer] = {
        status: report.status,
        attempts: report.attempts,
        path: report.path,
      };
  }

  hasPubsub(name: string): boolean {
    return this.#options.resources.pubsubs.has(name);
  }

  /** Appends the event durably, then hands it to the topic's consumers. */
  async publish(
    pubsub: string,
    topic: string,
    event: Record<string, unknown>,
    key: string | undefined,
  ): Promise<LogRecord> {
    const log = await this.#log(pubsub, topic);
    const record = await log.append(event, key);
    this.#accept(pubsub, topic, record);
    return record;
  }

  /** Appends several events durably with one fdatasync (a bulk publish), then hands them to the consumers. */
  async publishMany(
    pubsub: string,
    topic: string,
    items: ReadonlyArray<{ event: Record<string, unknown>; key: string | undefined }>,
  ): Promise<LogRecord[]> {
    const log = await this.#log(pubsub, topic);
    const records = await log.appendMany(items);
    for (const record of records) this.#accept(pubsub, topic, record);
    return records;
  }

  /** The newest events first, of one topic or of all. */
  recent(topic: string | undefined, limit: number): RecentEvent[] {
    const lists = [...this.#recent.entries()].filter(
      ([id]) => topic === undefined || id.endsWith(`/${topic}`),
    );
    return lists
      .flatMap(([, list]) => list)
      .sort((a, b) => b.published_at.localeCompare(a.published_at) || b.offset - a.offset)
      .slice(0, limit);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#consumers.values()].flat().map((consumer) => consumer.stop()));
    await Promise.all([...this.#logs.values()].map(async (log) => (await log).close()));
  }
}
