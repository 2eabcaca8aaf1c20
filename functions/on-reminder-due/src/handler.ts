import {
  type Clock,
  claimForSending,
  createSubscriber,
  type Db,
  drop,
  type IncomingEvent,
  type Logger,
  type Metrics,
  markFailed,
  markSent,
  type Outcome,
  type ReminderDuePayload,
  releaseSendClaim,
  reminderDuePayload,
  retry,
  success,
} from '@nudge/core';
import { classifySmtpError, type Mailer } from './mailer.ts';
import { reminderMail } from './reminder-mail.ts';

export const consumer = 'on-reminder-due';

export interface ReminderDueDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** How long a send claim lasts: longer than one SMTP exchange with its timeouts. */
  claimMs: number;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  return [code, responseCode, error.message].filter(Boolean).join(' ');
}

/**
 * Sends one reminder email: claim, send, then mark sent. Duplicates and reminders that no longer
 * apply are acknowledged without mail; SMTP trouble is retried, a permanent refusal dead-letters.
 */
export async function handleReminderDue(
  event: IncomingEvent<ReminderDuePayload>,
  deps: ReminderDueDeps,
): Promise<Outcome> {
  const { db, mailer, clock, metrics, logger } = deps;
  const reminderId = event.data.payload.reminder_id;
  const reminderTime = new Date(event.data.payload.reminder_time);
  const claim = await claimForSending(db, { reminderId, reminderTime }, clock.now(), deps.claimMs);
  switch (claim.kind) {
    case 'gone':
      return success('reminder no longer exists (task deleted)');
    case 'done':
      return success(`reminder already ${claim.status}`);
    case 'moved':
      return success('reminder moved to a later time; it will be dispatched again');
    case 'busy':
      return retry('another delivery is sending this reminder');
    case 'skipped':
      logger.info({ reminder_id: reminderId, reason: claim.reason }, 'reminder skipped without mail');
      return success(`skipped: ${claim.reason}`);
  }

  const { reminder } = claim;
  try {
    await mailer.send(
      reminderMail({
        reminderId: reminder.id,
        email: reminder.email,
        title: reminder.title,
        description: reminder.description,
        dueAt: reminder.due_at,
        remindAt: reminder.remind_at,
        timezone: reminder.timezone,
      }),
    );
  } catch (error) {
    const message = describe(error);
    if (classifySmtpError(error) === 'permanent') {
      await markFailed(db, reminder.id, message, clock.now());
      metrics.remindersFailed.inc();
      logger.error({ reminder_id: reminder.id, err: message }, 'SMTP server refused the reminder for good');
      return drop('smtp_rejected');
    }
    await releaseSendClaim(db, reminder.id, message, clock.now());
    return retry(`smtp unavailable: ${message}`);
  }

  const sentAt = clock.now();
  await markSent(db, { reminderId: reminder.id, sentAt, consumer, eventId: event.id });
  metrics.remindersSent.inc();
  metrics.reminderDeliveryLatency.observe(
    Math.max(0, (sentAt.getTime() - reminder.remind_at.getTime()) / 1000),
  );
  return success();
}

/** The subscriber edge for reminder.due, as index.ts registers it (tests register the same). */
export function createOnReminderDue(deps: ReminderDueDeps) {
  return createSubscriber({
    consumer,
    eventType: 'reminder.due',
    payloadSchema: reminderDuePayload,
    handler: handleReminderDue,
    deps,
  });
}
