import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One event as the broker stores it: its place in the topic, its partition key and the CloudEvent. */
export interface LogRecord {
  offset: number;
  key?: string | undefined;
  published_at: string;
  event: Record<string, unknown>;
}

interface Pending {
  record: LogRecord;
  resolve: (record: LogRecord) => void;
  reject: (error: unknown) => void;
}

/**
 * A topic as an append-only JSON-lines file. `append` resolves only after the line is written and
 * fdatasync'd, so an event acknowledged to a publisher survives kill -9 (and a power cut).
 * Appends of one turn, and those that arrive while a sync is in flight, are written together with
 * one fdatasync (group commit), which keeps publishing fast under load.
 */
export class TopicLog {
  readonly path: string;
  #handle: FileHandle;
  #nextOffset: number;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #syncs = 0;

  private constructor(path: string, handle: FileHandle, nextOffset: number) {
    this.path = path;
    this.#handle = handle;
    this.#nextOffset = nextOffset;
  }

  /** Opens (or creates) the log and returns the records already in it, oldest first. */
  static async open(path: string): Promise<{ log: TopicLog; records: LogRecord[] }> {
    await mkdir(dirname(path), { recursive: true });
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    // A kill -9 mid-write can leave a last line without its newline: that append was never
    // acknowledged, so cut it off rather than glue the next record onto it.
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < Buffer.byteLength(text)) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
    const records: LogRecord[] = [];
    for (const line of text.slice(0, complete).split('\n')) {
      if (line) records.push(JSON.parse(line) as LogRecord);
    }
    const handle = await open(path, 'a');
    const next = records.length > 0 ? records[records.length - 1]!.offset + 1 : 0;
    return { log: new TopicLog(path, handle, next), records };
  }

  append(event: Record<string, unknown>, key: string | undefined): Promise<LogRecord> {
    return this.appendMany([{ event, key }]).then(([record]) => record!);
  }

  /**
   * Appends several events as one write and one fdatasync (a bulk publish), in the given order.
   * Resolves once all are durable; rejects, for all of them, when the write fails.
   */
  appendMany(
    items: ReadonlyArray<{ event: Record<string, unknown>; key: string | undefined }>,
  ): Promise<LogRecord[]> {
    const publishedAt = new Date().toISOString();
    return Promise.all(
      items.map(
        ({ event, key }) =>
          new Promise<LogRecord>((resolve, reject) => {
            const record: LogRecord = { offset: this.#nextOffset++, key, published_at: publishedAt, event };
            this.#queue.push({ record, resolve, reject });
            // Started on a later microtask, so every append of this turn joins the same write.
            this.#flushing ??= Promise.resolve().then(() => this.#flush());
          }),
      ),
    );
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        await this.#handle.write(batch.map((entry) => `${JSON.stringify(entry.record)}\n`).join(''));
        await this.#handle.datasync();
        this.#syncs += 1;
        for (const entry of batch) entry.resolve(entry.record);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#flushing = undefined;
  }

  /** fdatasync calls so far: group commit shows as fewer syncs than appends. */
  get syncs(): number {
    return this.#syncs;
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#handle.close();
  }
}
