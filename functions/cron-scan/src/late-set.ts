import {
  type Clock,
  createSubscriber,
  type Db,
  type EventHandler,
  eachEvent,
  type Logger,
  leaseReminder,
  type Metrics,
  type OpsDeps,
  type ReminderCancelledPayload,
  type ReminderScheduledPayload,
  reminderCancelledPayload,
  reminderScheduledPayload,
  success,
} from '@nudge/core';
import type { HeldReminders } from './held-reminders.ts';
import type { ScanSettings } from './scan.ts';

export interface LateSetDeps {
  db: Db;
  held: HeldReminders;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  settings: Pick<ScanSettings, 'lookaheadMs' | 'leaseGraceMs'>;
}

/**
 * `reminder.scheduled`: a reminder set (or moved) to within the lookahead would otherwise wait
 * for the next scan, up to 30 s late. Leases it now, under the scan's rules (one holder, lease
 * lapses at its time plus the grace), and holds it on a timer. Beyond the lookahead a scan leases
 * it in time. Leasing is idempotent, so a redelivered event changes nothing.
 */
export const onReminderScheduled: EventHandler<ReminderScheduledPayload, LateSetDeps> = async (
  event,
  deps,
) => {
  const { payload } = event.data;
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.settings.lookaheadMs);
  if (new Date(payload.remind_at) > until) return success('beyond the lookahead; a scan leases it');
  const leased = await leaseReminder(deps.db, {
    id: payload.reminder_id,
    now,
    until,
    graceMs: deps.settings.leaseGraceMs,
  });
  if (!leased) return success('not free to hold (held, moved, cancelled or sent)');
  deps.held.hold([leased]);
  return success('held');
};

/** `reminder.cancelled`: stops the timer of a reminder held here and gives its lease back. */
export const onReminderCancelled: EventHandler<ReminderCancelledPayload, LateSetDeps> = async (
  event,
  deps,
) =>
  (await deps.held.release(event.data.payload.reminder_id)) ? success('released') : success('not held here');

/** The two subscriber edges the Subscription in dapr/subscriptions/cron-scan.yaml routes to. */
export function createLateSetSubscribers(deps: LateSetDeps & OpsDeps) {
  return {
    scheduled: createSubscriber({
      consumer: 'cron-scan',
      eventType: 'reminder.scheduled',
      payloadSchema: reminderScheduledPayload,
      handler: eachEvent(onReminderScheduled),
      deps,
    }),
    cancelled: createSubscriber({
      consumer: 'cron-scan',
      eventType: 'reminder.cancelled',
      payloadSchema: reminderCancelledPayload,
      handler: eachEvent(onReminderCancelled),
      deps,
    }),
  };
}
