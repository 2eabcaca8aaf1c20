import {
  type Clock,
  claimForSendingBatch,
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
  type ReminderToSend,
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
 * Sends a batch of reminder emails: claims them all in one statement, sends the claimed ones over
 * the mailer's pool at once (bounded by its connections), then marks every accepted one sent in
 * one statement. Duplicates and reminders that no longer apply are acknowledged without mail; SMTP
 * trouble retries only the reminder it hit, a permanent refusal dead-letters only that one.
 * Answers one outcome per event, in order.
 */
export async function handleReminderDueBatch(
  events: IncomingEvent<ReminderDuePayload>[],
  deps: ReminderDueDeps,
): Promise<Outcome[]> {
  const { db, mailer, clock, metrics, logger } = deps;
  const due = events.map((event) => ({
    reminderId: event.data.payload.reminder_id,
    reminderTime: new Date(event.data.payload.reminder_time),
  }));
  const claims = await claimForSendingBatch(db, due, clock.now(), deps.claimMs);
  const outcomes: Outcome[] = [];
  const sends: Promise<void>[] = [];
  const sent: { index: number; reminder: ReminderToSend }[] = [];
  const released: { reminderId: string; error: string }[] = [];
  const failed: { reminderId: string; error: string }[] = [];
  claims.forEach((claim, index) => {
    switch (claim.kind) {
      case 'gone':
        outcomes[index] = success('reminder no longer exists (task deleted)');
        return;
      case 'done':
        outcomes[index] = success(`reminder already ${claim.status}`);
        return;
      case 'moved':
        outcomes[index] = success('reminder moved to a later time; it will be dispatched again');
        return;
      case 'busy':
        outcomes[index] = retry('another delivery is sending this reminder');
        return;
      case 'skipped':
        logger.info(
          { reminder_id: due[index]!.reminderId, reason: claim.reason },
          'reminder skipped without mail',
        );
        outcomes[index] = success(`skipped: ${claim.reason}`);
        return;
    }
    const { reminder } = claim;
    const send = mailer.send(
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
    sends.push(
      send.then(
        () => {
          sent.push({ index, reminder });
        },
        (error: unknown) => {
          const message = describe(error);
          if (classifySmtpError(error) === 'permanent') {
            failed.push({ reminderId: reminder.id, error: message });
            logger.error(
              { reminder_id: reminder.id, err: message },
              'SMTP server refused the reminder for good',
            );
            outcomes[index] = drop('smtp_rejected');
          } else {
            released.push({ reminderId: reminder.id, error: message });
            outcomes[index] = retry(`smtp unavailable: ${message}`);
          }
        },
      ),
    );
  });
  await Promise.all(sends);

  const now = clock.now();
  // Accepted mail is marked first: a crash after this point costs no resend.
  await markSent(db, {
    reminderIds: sent.map((s) => s.reminder.id),
    eventIds: sent.map((s) => events[s.index]!.id),
    sentAt: now,
    consumer,
  });
  for (const { index, reminder } of sent) {
    outcomes[index] = success();
    metrics.remindersSent.inc();
    metrics.reminderDeliveryLatency.observe(
      Math.max(0, (now.getTime() - reminder.remind_at.getTime()) / 1000),
    );
  }
  await markFailed(db, failed, now);
  metrics.remindersFailed.inc(failed.length);
  await releaseSendClaim(db, released, now);
  return outcomes;
}

/** One reminder.due event: handleReminderDueBatch for a batch of one. */
export async function handleReminderDue(
  event: IncomingEvent<ReminderDuePayload>,
  deps: ReminderDueDeps,
): Promise<Outcome> {
  return (await handleReminderDueBatch([event], deps))[0]!;
}

/** The subscriber edge for reminder.due, as index.ts registers it (tests register the same). */
export function createOnReminderDue(deps: ReminderDueDeps) {
  return createSubscriber({
    consumer,
    eventType: 'reminder.due',
    payloadSchema: reminderDuePayload,
    handler: handleReminderDueBatch,
    deps,
  });
}
