import { randomUUID } from 'node:crypto';
import { createMailer } from '@nudge/on-reminder-due/mailer';
import { reminderMail } from '@nudge/on-reminder-due/reminder-mail';
import type { SmtpSink } from '@nudge/testing';

/** on-reminder-due's default pool (SMTP_MAX_CONNECTIONS), shared by every side of the comparison. */
export const smtpMaxConnections = 8;

/**
 * The ceiling of the burst comparison: `count` reminder emails sent straight from this process
 * through on-reminder-due's own mailer and message builder — no queue, no database. Resolves with
 * the seconds from the first send to the last acceptance.
 */
export async function smtpCeiling(
  sink: SmtpSink,
  count: number,
): Promise<{ delivered: number; last_accepted_s: number }> {
  sink.clear();
  const mailer = createMailer({
    smtpUrl: sink.url,
    from: 'Nudge <reminders@nudge.localhost>',
    timeoutMs: 5_000,
    maxConnections: smtpMaxConnections,
  });
  const remindAt = new Date();
  const started = Date.now();
  try {
    await Promise.all(
      Array.from({ length: count }, () =>
        mailer.send(
          reminderMail({
            reminderId: randomUUID(),
            email: 'ceiling@bench.test',
            title: 'Ceiling',
            description: null,
            dueAt: null,
            remindAt,
            timezone: 'UTC',
          }),
        ),
      ),
    );
  } finally {
    mailer.close();
  }
  const last = Math.max(...[...sink.accepted.values()].map((mail) => mail.acceptedAt));
  return { delivered: sink.accepted.size, last_accepted_s: (last - started) / 1000 };
}
