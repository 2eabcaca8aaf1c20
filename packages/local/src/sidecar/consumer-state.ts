import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Which offsets of its topic one consumer (subscription × app) has finished with, on disk:
 * `<name>.checkpoint` holds the offset below which everything is done, `<name>.acked` the finished
 * offsets above it (deliveries to different partition keys finish out of order). Acks are not
 * fsync'd: losing one to a crash means a redelivery, which every consumer handles idempotently.
 */
export class ConsumerState {
  #fd: number;
  #doneBelow: number;
  #acked: Set<number>;

  private constructor(fd: number, doneBelow: number, acked: Set<number>) {
    this.#fd = fd;
    this.#doneBelow = doneBelow;
    this.#acked = acked;
  }

  static async open(dir: string, name: string): Promise<ConsumerState> {
    await mkdir(dir, { recursive: true });
    const checkpointPath = join(dir, `${name}.checkpoint`);
    const ackedPath = join(dir, `${name}.acked`);
    const read = (path: string) =>
      readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
    let doneBelow = Number((await read(checkpointPath)).trim() || 0);
    // Only newline-terminated lines count: a torn last line could read as a different offset.
    const lines = (await read(ackedPath)).split('\n').slice(0, -1);
    const acked = new Set(lines.filter(Boolean).map(Number));
    while (acked.delete(doneBelow)) doneBelow += 1;
    for (const offset of acked) if (offset < doneBelow) acked.delete(offset);
    // Compact on open: new checkpoint first (atomic rename), then the shortened ack list.
    await writeFile(`${checkpointPath}.tmp`, `${doneBelow}\n`);
    await rename(`${checkpointPath}.tmp`, checkpointPath);
    await writeFile(`${ackedPath}.tmp`, [...acked].map((offset) => `${offset}\n`).join(''));
    await rename(`${ackedPath}.tmp`, ackedPath);
    return new ConsumerState(openSync(ackedPath, 'a'), doneBelow, acked);
  }

  isDone(offset: number): boolean {
    return offset < this.#doneBelow || this.#acked.has(offset);
  }

  ack(offset: number): void {
    writeSync(this.#fd, `${offset}\n`);
    this.#acked.add(offset);
    while (this.#acked.delete(this.#doneBelow)) this.#doneBelow += 1;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
