import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { ReminderStatus } from '../reminder/status.ts';
import type { Priority, RecurrenceFrom, TaskStatus } from '../task/values.ts';

/** A column the database fills (default or trigger) and that reads back as T. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type { ReminderStatus } from '../reminder/status.ts';
export type { Priority, RecurrenceFrom, TaskStatus } from '../task/values.ts';

export interface UsersTable {
  id: string;
  email: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface TasksTable {
  id: Generated<string>;
  user_id: string;
  title: string;
  description: string | null;
  priority: Defaulted<Priority>;
  /** Generated from `priority` (urgent = 4 … low = 1) so sorting by priority is an index scan. */
  priority_rank: ColumnType<number, never, never>;
  tags: Defaulted<string[]>;
  status: Defaulted<TaskStatus>;
  completed_at: Timestamp | null;
  due_at: Timestamp | null;
  timezone: Defaulted<string>;
  recurrence_rule: string | null;
  recurrence_from: RecurrenceFrom | null;
  /** The first task of a recurring series; every occurrence carries it. */
  series_id: string | null;
  /** The first due date of the series: the DTSTART every occurrence is computed from. */
  series_anchor_at: Timestamp | null;
  /** 1 for the first occurrence, +1 per roll-forward: ends COUNT-limited series in `from: completion` mode. */
  series_index: Defaulted<number>;
  parent_task_id: string | null;
  /** The id a task had in the export it was imported from, when it could not keep it. */
  import_source_id: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface RemindersTable {
  id: Generated<string>;
  task_id: string;
  user_id: string;
  /** ISO 8601 duration before `due_at`, or null for an absolute reminder. */
  before: string | null;
  remind_at: Timestamp;
  status: Defaulted<ReminderStatus>;
  sent_at: Timestamp | null;
  /**
   * cron-scan's lease: a scan holds the reminder for exact-time dispatch until this time; other
   * scans leave it alone until it lapses. Written only by reminder/dispatch.ts (lease, dispatch,
   * release); a task change that moves or re-statuses the reminder drops it (reminder/repository.ts).
   */
  lease_until: Timestamp | null;
  /** When cron-scan dispatched it (reminder.due written); earlier than `remind_at` after a task edit moved it. */
  dispatched_at: Timestamp | null;
  /**
   * on-reminder-due's send claim: one delivery is sending the email until this time, so a
   * concurrent duplicate answers RETRY. Written only by reminder/sending.ts; a task change that
   * moves or re-statuses the reminder drops it (reminder/repository.ts).
   */
  send_claim_until: Timestamp | null;
  attempts: Defaulted<number>;
  last_error: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface OutboxTable {
  /** Commit order within the database; the relay publishes one user's events in this order. */
  id: Generated<number>;
  event_id: string;
  user_id: string;
  topic: string;
  event_type: string;
  /** The complete CloudEvent (structured mode JSON) as it will be published. */
  cloud_event: ColumnType<Record<string, unknown>, string, string>;
  created_at: DefaultedTimestamp;
  published_at: Timestamp | null;
  attempts: Defaulted<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
}

export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  processed_at: DefaultedTimestamp;
}

/** A user's change counter: the latest seq, and how far tombstones have been purged. */
export interface UserChangesTable {
  user_id: string;
  seq: Defaulted<number>;
  expired_through: Defaulted<number>;
}

/** Written by triggers only: the seq at which a task last changed; `deleted_at` makes it a tombstone. */
export interface TaskChangesTable {
  task_id: string;
  user_id: string;
  seq: number;
  deleted_at: Timestamp | null;
}

export interface StreamTicketsTable {
  ticket_hash: string;
  user_id: string;
  expires_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  tasks: TasksTable;
  reminders: RemindersTable;
  outbox: OutboxTable;
  processed_events: ProcessedEventsTable;
  user_changes: UserChangesTable;
  task_changes: TaskChangesTable;
  stream_tickets: StreamTicketsTable;
}

export type Db = Kysely<Database>;
/** Functions that must run inside the caller's transaction (outbox writes above all) take this type. */
export type Trx = Transaction<Database>;

export type TaskRow = Selectable<TasksTable>;
export type NewTaskRow = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
export type ReminderRow = Selectable<RemindersTable>;
export type NewReminderRow = Insertable<RemindersTable>;
export type OutboxRow = Selectable<OutboxTable>;
