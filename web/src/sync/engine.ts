// Keeps the query cache's task list current: one snapshot from GET /api/sync, then the changes
// since the cursor whenever /api/stream says `changed`. The cache entry `tasksKey` holds every task
// of the user by id; views derive from it.
import type { QueryClient } from '@tanstack/react-query';
import { type Api, ApiError } from '../api/client.ts';
import type { Task } from '../api/types.ts';

export const tasksKey = ['tasks'] as const;
export type TaskMap = ReadonlyMap<string, Task>;

type Change = { task: Task } | { deleted: string };
interface SnapshotPage {
  tasks: Task[];
  cursor: string;
  next_page: string | null;
}
interface ChangesPage {
  changes: Change[];
  cursor: string;
  has_more: boolean;
}

export type LiveState = 'connecting' | 'live';

export class SyncEngine {
  readonly #api: Api;
  readonly #queries: QueryClient;
  #cursor: string | undefined;
  #pulling: Promise<void> | undefined;
  #pullAgain = false;
  #source: EventSource | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelay = 1_000;
  #stopped = false;
  #onLive: (state: LiveState) => void;

  constructor(api: Api, queries: QueryClient, onLive: (state: LiveState) => void = () => {}) {
    this.#api = api;
    this.#queries = queries;
    this.#onLive = onLive;
  }

  /** The first load (and the start over after a 410): every page of one snapshot. */
  async snapshot(): Promise<TaskMap> {
    const tasks = new Map<string, Task>();
    let page: string | null = null;
    do {
      const query: string = page ? `?page=${encodeURIComponent(page)}&limit=1000` : '?limit=1000';
      const answer: SnapshotPage = await this.#api.get<SnapshotPage>(`/api/sync${query}`);
      for (const task of answer.tasks) tasks.set(task.id, task);
      // Every page of one snapshot answers the cursor taken when it started.
      this.#cursor = answer.cursor;
      page = answer.next_page;
    } while (page);
    return tasks;
  }

  /** Brings the cache up to date now (after a push, a reconnect, or the app's own change). */
  refresh(): Promise<void> {
    if (this.#pulling) {
      this.#pullAgain = true;
      return this.#pulling;
    }
    this.#pulling = this.#pull().finally(() => {
      this.#pulling = undefined;
      if (this.#pullAgain) {
        this.#pullAgain = false;
        void this.refresh();
      }
    });
    return this.#pulling;
  }

  async #pull(): Promise<void> {
    if (!this.#cursor) {
      this.#queries.setQueryData(tasksKey, await this.snapshot());
      return;
    }
    for (;;) {
      let answer: ChangesPage;
      try {
        answer = await this.#api.get<ChangesPage>(
          `/api/sync?cursor=${encodeURIComponent(this.#cursor)}&limit=1000`,
        );
      } catch (error) {
        // 410: the changes since the cursor are gone (retention, a restore); 400: a cursor this
        // user's feed does not know. Either way only a full snapshot is right.
        if (error instanceof ApiError && (error.status === 410 || error.status === 400)) {
          this.#cursor = undefined;
          this.#queries.setQueryData(tasksKey, await this.snapshot());
          return;
        }
        throw error;
      }
      this.#apply(answer.changes);
      this.#cursor = answer.cursor;
      if (!answer.has_more) return;
    }
  }

  #apply(changes: Change[]): void {
    this.#queries.setQueryData<TaskMap>(tasksKey, (current) => {
      const next = new Map(current);
      for (const change of changes) {
        if ('deleted' in change) next.delete(change.deleted);
        else next.set(change.task.id, change.task);
      }
      return next;
    });
  }

  /** Puts a task the API just answered into the cache, unless the cache already has a newer one. */
  put(task: Task): void {
    this.#queries.setQueryData<TaskMap>(tasksKey, (current) => {
      const known = current?.get(task.id);
      if (known && known.updated_at > task.updated_at) return current;
      return new Map(current).set(task.id, task);
    });
  }

  remove(id: string): void {
    this.#queries.setQueryData<TaskMap>(tasksKey, (current) => {
      if (!current?.has(id)) return current;
      const next = new Map(current);
      next.delete(id);
      return next;
    });
  }

  /**
   * After the app's own change. With the live stream open, its push brings what other processes
   * wrote (the next occurrence of a completed recurring task); while it is down, look again shortly.
   */
  afterChange(): void {
    if (this.#source) return;
    void this.refresh();
    setTimeout(() => void this.refresh().catch(() => {}), 2_000);
  }

  /** Opens the live stream: a fresh single-use ticket per connection, reconnecting with backoff. */
  async connect(): Promise<void> {
    if (this.#stopped) return;
    this.#onLive('connecting');
    let ticket: string;
    try {
      ticket = (await this.#api.post<{ ticket: string }>('/api/stream/ticket')).ticket;
    } catch {
      // Offline or task-api restarting (a 401 has already ended the session).
      this.#scheduleReconnect();
      return;
    }
    const params = new URLSearchParams({ ticket });
    if (this.#cursor) params.set('last_event_id', this.#cursor);
    const source = new EventSource(`${this.#api.baseUrl}/api/stream?${params}`);
    this.#source = source;
    source.addEventListener('open', () => {
      this.#retryDelay = 1_000;
      this.#onLive('live');
    });
    source.addEventListener('changed', (event) => {
      // The app's own change has usually been pulled already when its push arrives.
      const { cursor } = JSON.parse((event as MessageEvent<string>).data) as { cursor?: string };
      if (cursor !== undefined && cursor === this.#cursor && !this.#pulling) return;
      void this.refresh().catch(() => {});
    });
    source.addEventListener('error', () => {
      // The server ends streams after a few minutes, and the ticket is single use: EventSource's
      // own reconnect would be refused, so close it and open a new one with a new ticket.
      source.close();
      if (this.#source === source) this.#source = undefined;
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    this.#onLive('connecting');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      void this.refresh()
        .catch(() => {})
        .then(() => this.connect());
    }, this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, 30_000);
  }

  /** The network came back: catch up and reconnect at once. */
  reconnectNow(): void {
    this.#retryDelay = 1_000;
    if (this.#source && this.#source.readyState !== EventSource.CLOSED) {
      void this.refresh().catch(() => {});
      return;
    }
    clearTimeout(this.#retryTimer);
    void this.refresh()
      .catch(() => {})
      .then(() => this.connect());
  }

  /** Allows connecting again after stop() (React's strict mode mounts effects twice). */
  resume(): void {
    this.#stopped = false;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#source?.close();
  }
}
