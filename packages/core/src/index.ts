/**
 * @nudge/core — what every Nudge function shares.
 *
 * Glossary
 * - task: one thing to do, owned by one user (the JWT `sub`), optionally due at an instant.
 * - series: the tasks of one recurring rule; each completion rolls it forward by one occurrence.
 * - occurrence: one task of a series; `parent_task_id` points at the previous one.
 * - reminder: an email due at `remind_at`, absolute or `before` the task's due date.
 * - event: a CloudEvent describing a change (`task.completed`, `reminder.due`, …).
 * - outbox row: an event committed with the change it describes, awaiting publication.
 * - delivery answer: what a subscriber tells Dapr — SUCCESS, RETRY or DROP (dead-letter).
 */
export { pipelineEnv } from './config/function-env.ts';
export { ConfigError, createConfigLoader, env } from './config/load-config.ts';
export { createDb, type DbOptions } from './db/create-db.ts';
export type * from './db/database.ts';
export { migrateToLatest } from './db/migrate.ts';
export { isRetryableDbError } from './db/pg-errors.ts';
export { withSavepoint } from './db/savepoint.ts';
export type { IncomingEvent, RawEvent } from './delivery/incoming-event.ts';
export { drop, type Outcome, retry, success } from './delivery/outcome.ts';
export { forgetProcessed, recordProcessed, recordProcessedMany } from './delivery/processed-events.ts';
export {
  type BatchHandler,
  createSubscriber,
  type EventHandler,
  eachEvent,
  outcomeForError,
  type SubscriberOptions,
} from './delivery/subscriber.ts';
export {
  AppError,
  type AppErrorCode,
  type ErrorDetail,
  notFound,
  validationFailed,
} from './errors/app-error.ts';
export { parseOrThrow } from './errors/zod-details.ts';
export {
  type ReminderCancelledPayload,
  reminderCancelledPayload,
} from './events/contracts/reminder.cancelled.ts';
export {
  type ReminderDuePayload,
  reminderDueEvent,
  reminderDuePayload,
} from './events/contracts/reminder.due.ts';
export {
  type ReminderScheduledPayload,
  reminderScheduledPayload,
} from './events/contracts/reminder.scheduled.ts';
export {
  type TaskCompletedPayload,
  taskCompletedEvent,
  taskCompletedPayload,
} from './events/contracts/task.completed.ts';
export { taskRecurrenceEvent } from './events/contracts/task.recurrence.ts';
export {
  buildEvent,
  type EventData,
  type NewEvent,
  type NudgeCloudEvent,
  type OutgoingEvent,
} from './events/envelope.ts';
export * from './events/event-types.ts';
export { createEdge, type EdgeEnv, type EdgeVariables, logFields } from './http/edge.ts';
export {
  type ErrorBody,
  errorResponse,
  httpStatusFor,
  jsonResponse,
  RateLimitedError,
} from './http/error-response.ts';
export type { OpsDeps } from './http/ops.ts';
export { trackRequests } from './http/request-tracking.ts';
export { createLogger, type Logger } from './observability/logger.ts';
export { createMetrics, type Metrics } from './observability/metrics.ts';
export { enqueueEvents } from './outbox/enqueue.ts';
export {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayDeps,
  type RelayBackoff,
  type RelaySummary,
} from './outbox/relay.ts';
export type { OutboxKick } from './outbox/relay-port.ts';
export {
  createDaprPublisher,
  type DaprPublisherOptions,
  type FailedEntries,
  PublishError,
  type PublishErrorCode,
  type Publisher,
} from './publish/dapr-publisher.ts';
export { quickAddTextSchema, quickAddTokenKindSchema, quickAddTokenSchema } from './quick-add/input.ts';
export {
  parseQuickAdd,
  type QuickAddDraft,
  type QuickAddOptions,
  type QuickAddResult,
  type QuickAddToken,
  type QuickAddTokenKind,
} from './quick-add/parse-quick-add.ts';
export { type CompletedOccurrence, nextOccurrence } from './recurrence/next-occurrence.ts';
export { type Schedule, type ScheduleInput, schedule } from './recurrence/occurrences.ts';
export { normalizeRule, type ParsedRule, parseRule } from './recurrence/rule.ts';
export {
  claimDue,
  type DueReminder,
  dispatchHeld,
  type LeasedReminder,
  leaseReminder,
  leaseUpcoming,
  releaseLeases,
} from './reminder/dispatch.ts';
export { instantSchema, type ReminderInput, type ReminderSpec } from './reminder/input.ts';
export type { PlannedReminder } from './reminder/plan.ts';
export { relativeReminderSpecs } from './reminder/repository.ts';
export {
  claimForSending,
  claimForSendingBatch,
  markFailed,
  markSent,
  type ReminderToSend,
  releaseSendClaim,
  type SendClaim,
} from './reminder/sending.ts';
export {
  closeFunctionDeps,
  createFunctionDeps,
  type FunctionDeps,
  type SharedConfig,
} from './runtime/function-deps.ts';
export { type FetchApp, requestListener, type ServeOptions, serveApp } from './runtime/serve.ts';
export { cursorExpired, decodeCursor, encodeCursor } from './sync/cursor.ts';
export {
  type Change,
  type ChangesPage,
  changedSince,
  currentCursor,
  readSync,
  type SnapshotPage,
  type SyncQuery,
  syncQuerySchema,
} from './sync/feed.ts';
export {
  type ChangeListener,
  type ChangeListenerOptions,
  changeChannel,
  listenForChanges,
} from './sync/listener.ts';
export { purgeChangeHistory, type RetentionSummary } from './sync/retention.ts';
export { createStreamTicket, redeemStreamTicket, ticketTtlMs } from './sync/tickets.ts';
export { completeTask, reopenTask } from './task/complete.ts';
export { createTask, type FollowUpEvents, insertTask, insertTasks, type NewTask } from './task/create.ts';
export { deleteTask } from './task/delete.ts';
export type { Recurrence, TaskFields } from './task/fields.ts';
export { calendarToImport, toICalendar } from './task/ical.ts';
export {
  type CreateTaskInput,
  createTaskSchema,
  type PatchTaskInput,
  patchTaskSchema,
  ruleSchema,
  timezoneSchema,
} from './task/input.ts';
export { type ListQuery, listQuerySchema, listTasks } from './task/list.ts';
export { findTaskRow, findTaskRows, getTask } from './task/repository.ts';
export {
  type ExportDocument,
  exportDocumentSchema,
  exportTasks,
  type ImportDocument,
  importDocumentSchema,
  importTasks,
} from './task/transfer.ts';
export { skipOccurrence, updateTask } from './task/update.ts';
export { type ReminderView, type TaskView, taskViewSchema } from './task/view.ts';
export { type Clock, systemClock } from './time/clock.ts';
export { formatInZone, isValidTimeZone } from './time/zone.ts';
export { upsertUser } from './user/repository.ts';
