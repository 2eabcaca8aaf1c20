import { createHash } from 'node:crypto';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted (answered 250 to DATA). */
export interface AcceptedMail {
  messageId: string;
  to: string;
  subject: string;
  acceptedAt: number;
}

export interface SinkFaults {
  /** Share of DATA replies answered 421 (transient), drawn per attempt. */
  transientRate: number;
  /** Share of messages answered 550 (permanent), chosen by Message-ID so every retry of one is refused too. */
  permanentRate: number;
}

export interface SmtpSink {
  port: number;
  url: string;
  /** First acceptance per Message-ID. */
  accepted: Map<string, AcceptedMail>;
  /** Acceptances beyond the first per Message-ID: a duplicate email reached the user. */
  duplicates: AcceptedMail[];
  /** Counts of replies given, by code. */
  replies: Map<number, number>;
  /** Whether a message with this Message-ID is one the permanent-failure rate refuses. */
  refusesPermanently(messageId: string): boolean;
  setFaults(faults: SinkFaults): void;
  /** Stops listening: clients get connection refused until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves once `count` distinct messages have been accepted, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const noFaults: SinkFaults = { transientRate: 0, permanentRate: 0 };

function header(raw: string, name: string): string {
  const match = raw.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im'));
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that records what it accepts, with injectable faults. */
export async function startSmtpSink(options: { port?: number; faults?: SinkFaults } = {}): Promise<SmtpSink> {
  let faults = options.faults ?? noFaults;
  const accepted = new Map<string, AcceptedMail>();
  const duplicates: AcceptedMail[] = [];
  const replies = new Map<number, number>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const count = (code: number) => replies.set(code, (replies.get(code) ?? 0) + 1);
  const refusesPermanently = (messageId: string) => {
    if (faults.permanentRate <= 0) return false;
    const bucket = createHash('sha256').update(messageId).digest().readUInt32BE(0) / 2 ** 32;
    return bucket < faults.permanentRate;
  };

  const makeServer = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Many senders connect at once during a burst; the default backlog is fine, the client limit is not.
      maxClients: 1_000,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const headers = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
          const messageId = header(headers, 'Message-ID');
          if (refusesPermanently(messageId)) {
            count(550);
            return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          }
          if (Math.random() < faults.transientRate) {
            count(421);
            return callback(Object.assign(new Error('try again later'), { responseCode: 421 }));
          }
          count(250);
          const mail: AcceptedMail = {
            messageId,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address).join(','),
            subject: header(headers, 'Subject'),
            acceptedAt: Date.now(),
          };
          if (accepted.has(messageId)) duplicates.push(mail);
          else accepted.set(messageId, mail);
          for (const waiter of [...waiters]) {
            if (accepted.size >= waiter.count) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
          callback();
        });
      },
    });

  let server = makeServer();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(options.port ?? 0);
  server.on('error', () => {}); // a client resetting mid-session must not crash the sink

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    duplicates,
    replies,
    refusesPermanently,
    setFaults(next) {
      faults = next;
    },
    async pause() {
      // smtp-server's close waits for open sessions; cut them so clients see the outage at once.
      const connections = (server as unknown as { connections: Set<{ close(): void }> }).connections;
      for (const connection of connections ?? []) connection.close();
      await close();
    },
    async resume() {
      server = makeServer();
      await listen(port);
      server.on('error', () => {});
    },
    waitFor(target, timeoutMs) {
      if (accepted.size >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = { count: target, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index === -1) return;
          waiters.splice(index, 1);
          reject(
            new Error(`SMTP sink: ${accepted.size} of ${target} messages accepted after ${timeoutMs} ms`),
          );
        }, timeoutMs).unref();
      });
    },
    stop: close,
  };
}
