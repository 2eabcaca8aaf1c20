import {
  type Clock,
  type Db,
  dispatchHeld,
  enqueueEvents,
  type LeasedReminder,
  type Logger,
  type Metrics,
  type OutboxKick,
  releaseLeases,
  reminderDueEvent,
} from '@nudge/core';

/** Reminders this process leased ahead of time, each waiting on a timer for its exact moment. */
export interface HeldReminders {
  /**
   * Starts a timer per reminder not already held under the same lease; returns how many were new.
   * A reminder held under an older lease (moved, then leased again) gets the new timer.
   */
  hold(reminders: readonly LeasedReminder[]): number;
  /** Stops a reminder's timer and gives its lease back (it was cancelled); false if not held. */
  release(id: string): Promise<boolean>;
  readonly size: number;
  /** Stops every timer and gives the leases back (shutdown). */
  close(): Promise<void>;
}

export interface HeldRemindersDeps {
  db: Db;
  relay: OutboxKick;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** Pause between attempts when the database fails at the moment of dispatch. */
  retryDelayMs?: number;
}

/**
 * The lateness fix: a scan leases the reminders due before the next scan and this object
 * dispatches each at its time — writes its reminder.due outbox row and kicks the relay — instead
 * of waiting up to a whole scan interval. If the process dies, the leases lapse and the next scan
 * dispatches them as overdue, so the worst case is the scan interval plus the lease grace.
 */
export function createHeldReminders(deps: HeldRemindersDeps): HeldReminders {
  const { db, relay, clock, metrics, logger } = deps;
  const retryDelayMs = deps.retryDelayMs ?? 1_000;
  const timers = new Map<string, { reminder: LeasedReminder; timer: NodeJS.Timeout }>();

  // Timers that come due in the same turn (a burst of reminders set for one instant) are
  // dispatched together: one transaction and one relay kick per chunk instead of per reminder.
  const maxPerTransaction = 500;
  let due: LeasedReminder[] = [];
  let flushing = false;

  function fire(reminder: LeasedReminder): void {
    due.push(reminder);
    if (flushing) return;
    flushing = true;
    setImmediate(() => void flush());
  }

  async function flush(): Promise<void> {
    while (due.length > 0) {
      const batch = due.slice(0, maxPerTransaction);
      due = due.slice(maxPerTransaction);
      await dispatchBatch(batch);
    }
    flushing = false;
  }

  async function dispatchBatch(batch: LeasedReminder[]): Promise<void> {
    try {
      const dispatched = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const rows = await dispatchHeld(trx, batch, now);
        const dispatchedIds = new Set(rows.map((row) => row.id));
        for (const reminder of batch) {
          if (!dispatchedIds.has(reminder.id))
            logger.info(
              { reminder_id: reminder.id },
              'held reminder changed before its time; not dispatched',
            );
        }
        await enqueueEvents(
          trx,
          rows.map((row) => reminderDueEvent(row, now)),
        );
        return rows.length;
      });
      for (const reminder of batch) timers.delete(reminder.id);
      if (dispatched === 0) return;
      metrics.remindersDispatched.inc(dispatched);
      relay.kick();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const reminder of batch) {
        // Keep trying while the lease is ours; after that the next scan owns the reminder.
        if (clock.now().getTime() + retryDelayMs < reminder.lease_until.getTime()) {
          logger.warn(
            { reminder_id: reminder.id, err: message },
            'dispatching a held reminder failed; retrying',
          );
          schedule(reminder, retryDelayMs);
        } else {
          timers.delete(reminder.id);
          logger.error(
            { reminder_id: reminder.id, err: message },
            'dispatching a held reminder failed; lease left to lapse',
          );
        }
      }
    }
  }

  function schedule(reminder: LeasedReminder, delayMs: number): void {
    const timer = setTimeout(() => fire(reminder), Math.max(0, delayMs));
    timers.set(reminder.id, { reminder, timer });
  }

  return {
    hold(reminders) {
      let added = 0;
      // One `now` for the whole set: reminders due at one instant get one delay and fire in one turn.
      const now = clock.now().getTime();
      for (const reminder of reminders) {
        const current = timers.get(reminder.id);
        if (current && current.reminder.lease_until.getTime() === reminder.lease_until.getTime()) continue;
        if (current) clearTimeout(current.timer);
        schedule(reminder, reminder.remind_at.getTime() - now);
        added += 1;
      }
      return added;
    },
    async release(id) {
      const current = timers.get(id);
      if (!current) return false;
      clearTimeout(current.timer);
      timers.delete(id);
      await releaseLeases(db, [current.reminder]);
      return true;
    },
    get size() {
      return timers.size;
    },
    async close() {
      const held = [...timers.values()];
      for (const { timer } of held) clearTimeout(timer);
      timers.clear();
      await releaseLeases(
        db,
        held.map(({ reminder }) => reminder),
      );
    },
  };
}
