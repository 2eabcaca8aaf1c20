import { createTransport } from 'nodemailer';

export interface ReminderMail {
  to: string;
  subject: string;
  text: string;
  /** Deterministic per reminder, so a resend after a crash is recognisable as the same message. */
  messageId: string;
}

/** Sends one email; resolves when the SMTP server accepted it, rejects with nodemailer's error otherwise. */
export interface Mailer {
  send(mail: ReminderMail): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
  /** SMTP connections kept open and used at once: the bound on concurrent sends. */
  maxConnections: number;
}

/**
 * A pooled nodemailer SMTP transport (`pool: true`): up to `maxConnections` connections stay open
 * and carry one message after another, so a burst pays one TCP and SMTP handshake per connection
 * instead of per message, and sends beyond the bound queue in the pool. Timeouts are seconds
 * instead of nodemailer's default minutes, so a dead server turns into a RETRY quickly; a
 * connection a restarted server cut fails only the message on it (a RETRY) and is replaced.
 */
export function createMailer(options: MailerOptions): Mailer {
  const transport = createTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: options.maxConnections,
    // A connection is recycled after this many messages (nodemailer's default is 100).
    maxMessages: 1_000,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    dnsTimeout: options.timeoutMs,
  });
  return {
    async send(mail) {
      await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
      });
    },
    close() {
      transport.close();
    },
  };
}

/** Transient: worth retrying (no answer, timeouts, 4xx). Permanent: the server refused for good (5xx). */
export function classifySmtpError(error: unknown): 'transient' | 'permanent' {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  // Bad credentials are our configuration, not this message: retry until an operator fixes them.
  if (code === 'EAUTH') return 'transient';
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) return 'permanent';
  return 'transient';
}
