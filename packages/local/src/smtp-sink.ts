import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted (answered 250 to DATA). */
export interface SinkMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  /** When the sink answered 250 (ms since the epoch): where lateness is measured. */
  acceptedAt: number;
  /** The .eml file it was written to, when the sink writes to a folder. */
  file?: string;
  /** The message as received, when the sink keeps raw text. */
  raw?: string;
}

/** Refusals the sink answers instead of 250, for fault tests: a share of DATA replies. */
export interface SinkFaults {
  /** Share of DATA replies answered 421 (transient), drawn per attempt. */
  transientRate: number;
  /** Share of messages answered 550 (permanent), chosen by Message-ID so every retry of one is refused too. */
  permanentRate: number;
  /** Message-IDs answered 421 on their first attempt only: one deterministic transient failure each. */
  transientOnce?: ReadonlySet<string>;
}

export interface SmtpSinkOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Write each accepted message, unchanged, as an .eml file in this folder (before answering 250). */
  dir?: string;
  /** Also serve a page listing the folder's messages over HTTP on this port (0 = any free port); needs `dir`. */
  httpPort?: number | undefined;
  /** Keep each message's raw text on its record (tests that read the body). */
  keepRaw?: boolean;
  faults?: Partial<SinkFaults>;
  onMail?: (mail: SinkMail) => void;
}

export interface SmtpSink {
  port: number;
  url: string;
  /** The listing page, when `httpPort` was given. */
  httpUrl: string | undefined;
  /** Every accepted message, in order (resends included). */
  messages: SinkMail[];
  /** First acceptance per Message-ID. */
  accepted: Map<string, SinkMail>;
  /** Acceptances beyond the first per Message-ID: a duplicate email reached the user. */
  duplicates: SinkMail[];
  /** Counts of DATA replies given, by code. */
  replies: Map<number, number>;
  /** Forgets every message and reply recorded so far. */
  clear(): void;
  /** Whether a message with this Message-ID is one the permanent-failure rate refuses. */
  refusesPermanently(messageId: string): boolean;
  setFaults(faults: Partial<SinkFaults>): void;
  /** Stops listening: clients get connection refused until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves once `count` distinct messages have been accepted, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** A header's value from a message's header block, unfolded. */
function header(head: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * A real SMTP server (smtp-server) that accepts mail and records it: the local stack's mail
 * capture (`dir` + `httpPort`: .eml files and a page listing them) and the sink tests, fault
 * tests and benchmarks count deliveries on (`faults` injects 421/550 answers).
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  let faults: SinkFaults = { transientRate: 0, permanentRate: 0, ...options.faults };
  const messages: SinkMail[] = [];
  const failedOnce = new Set<string>();
  const accepted = new Map<string, SinkMail>();
  const duplicates: SinkMail[] = [];
  const replies = new Map<number, number>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const count = (code: number) => replies.set(code, (replies.get(code) ?? 0) + 1);
  const refusesPermanently = (messageId: string) => {
    if (faults.permanentRate <= 0) return false;
    const bucket = createHash('sha256').update(messageId).digest().readUInt32BE(0) / 2 ** 32;
    return bucket < faults.permanentRate;
  };
  if (options.dir) await mkdir(options.dir, { recursive: true });

  const record = (mail: SinkMail) => {
    messages.push(mail);
    if (accepted.has(mail.messageId)) duplicates.push(mail);
    else accepted.set(mail.messageId, mail);
    for (const waiter of [...waiters]) {
      if (accepted.size >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    options.onMail?.(mail);
  };

  const makeServer = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      banner: 'Nudge mail sink',
      logger: false,
      // Many senders connect at once during a burst; the default backlog is fine, the client limit is not.
      maxClients: 1_000,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const head = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
          const messageId = header(head, 'Message-ID');
          if (refusesPermanently(messageId)) {
            count(550);
            return callback(smtpError(550, 'mailbox unavailable'));
          }
          const firstOfFlaky = faults.transientOnce?.has(messageId) && !failedOnce.has(messageId);
          if (firstOfFlaky) failedOnce.add(messageId);
          if (firstOfFlaky || Math.random() < faults.transientRate) {
            count(421);
            return callback(smtpError(421, 'try again later'));
          }
          const file =
            options.dir &&
            join(
              options.dir,
              `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.eml`,
            );
          const mail: SinkMail = {
            messageId,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: header(head, 'Subject'),
            acceptedAt: 0,
            ...(file ? { file } : {}),
            ...(options.keepRaw ? { raw: raw.toString('utf8') } : {}),
          };
          // Written before the 250: an accepted message is on disk.
          const stored = file ? writeFile(file, raw) : Promise.resolve();
          stored.then(
            () => {
              count(250);
              mail.acceptedAt = Date.now();
              record(mail);
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });

  let server = makeServer();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        // A client resetting mid-session must not crash the sink.
        server.on('error', () => {});
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(options.port ?? 0);
  const listing =
    options.dir === undefined || options.httpPort === undefined
      ? undefined
      : await serveListing(options.dir, options.httpPort, host);

  return {
    port,
    url: `smtp://${host}:${port}`,
    httpUrl: listing && `http://${host}:${(listing.address() as AddressInfo).port}/`,
    messages,
    accepted,
    duplicates,
    replies,
    clear() {
      messages.length = 0;
      accepted.clear();
      duplicates.length = 0;
      replies.clear();
    },
    refusesPermanently,
    setFaults(next) {
      faults = { transientRate: 0, permanentRate: 0, ...next };
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
    async stop() {
      listing?.closeAllConnections();
      await Promise.all([close(), listing && new Promise<void>((resolve) => listing.close(() => resolve()))]);
    },
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);

/** A bare HTML page listing the captured messages, newest first; each links to its raw text. */
async function serveListing(dir: string, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const files = (await readdir(dir))
        .filter((file) => file.endsWith('.eml'))
        .sort()
        .reverse();
      if (path === '/') {
        const rows = await Promise.all(
          files.slice(0, 200).map(async (file) => {
            const head = (await readFile(join(dir, file), 'utf8')).split(/\r?\n\r?\n/, 1)[0] ?? '';
            return `<tr><td>${escapeHtml(header(head, 'Date'))}</td><td>${escapeHtml(header(head, 'To'))}</td><td><a href="/${encodeURIComponent(file)}">${escapeHtml(header(head, 'Subject') || file)}</a></td></tr>`;
          }),
        );
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><title>Nudge mail</title><h1>Captured mail (${files.length})</h1><p>${escapeHtml(dir)}</p><table>${rows.join('')}</table>`,
          );
      } else if (files.includes(path.slice(1))) {
        res
          .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
          .end(await readFile(join(dir, path.slice(1))));
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
