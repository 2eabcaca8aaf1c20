import { createMailer, type Mailer } from '../src/mailer.ts';

/** The mailer the function builds, aimed at a local SMTP port (a sink's, or one nothing answers on). */
export function mailerFor(port: number, timeoutMs = 2_000): Mailer {
  return createMailer({
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'Nudge <reminders@nudge.test>',
    timeoutMs,
    maxConnections: 4,
  });
}
