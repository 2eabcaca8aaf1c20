import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  file: string;
  from: string;
  to: string[];
  subject: string;
}

/**
 * A local SMTP server that accepts every message and writes it, unchanged, as an .eml file in
 * `dir` (open it with any mail client). Reminder emails land here when SMTP_URL is not set.
 */
export async function startMailCapture(options: {
  dir: string;
  port: number;
  host?: string;
  onMail?: (mail: CapturedMail) => void;
}): Promise<{ port: number; close(): Promise<void> }> {
  await mkdir(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Nudge local mail capture',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const headers = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
        const subject =
          /^Subject: ?(.*(?:\r?\n[ \t].*)*)/im.exec(headers)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const file = join(options.dir, `${stamp}-${randomBytes(3).toString('hex')}.eml`);
        writeFile(file, raw).then(
          () => {
            options.onMail?.({
              file,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
