import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createMailer, type Mailer } from '../src/mailer.ts';

export interface CapturedMail {
  messageId: string | undefined;
  to: string[];
  subject: string | undefined;
  raw: string;
}

export interface SmtpSink {
  port: number;
  messages: CapturedMail[];
  /** Makes RCPT TO answer with this SMTP code (e.g. 550, 451), or accept again with null. */
  rejectWith(code: number | null): void;
  close(): Promise<void>;
}

const header = (raw: string, name: string) =>
  new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(raw.split(/\r?\n\r?\n/)[0] ?? '')?.[1]?.trim();

/** A real SMTP server (smtp-server) that keeps every accepted message. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  let rejectCode: number | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (rejectCode === null) return callback();
      const error = Object.assign(new Error(rejectCode >= 500 ? 'mailbox unavailable' : 'try again later'), {
        responseCode: rejectCode,
      });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          messageId: header(raw, 'Message-ID'),
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    rejectWith(code) {
      rejectCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The mailer the function builds, aimed at a local SMTP port (a sink's, or one nothing answers on). */
export function mailerFor(port: number, timeoutMs = 2_000): Mailer {
  return createMailer({
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'Nudge <reminders@nudge.test>',
    timeoutMs,
  });
}
