import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  /** Also serve a list of captured mail over HTTP on this port (0 = any free port). */
  httpPort?: number | undefined;
  host?: string;
  onMail?: (mail: CapturedMail) => void;
}): Promise<{ port: number; httpUrl: string | undefined; close(): Promise<void> }> {
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
  const listing =
    options.httpPort === undefined ? undefined : await serveListing(options.dir, options.httpPort, host);
  return {
    port,
    httpUrl: listing && `http://${host}:${(listing.address() as AddressInfo).port}/`,
    async close() {
      listing?.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        listing && new Promise<void>((resolve) => listing.close(() => resolve())),
      ]);
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
            const header = (name: string) => new RegExp(`^${name}: ?(.*)$`, 'im').exec(head)?.[1] ?? '';
            return `<tr><td>${escapeHtml(header('Date'))}</td><td>${escapeHtml(header('To'))}</td><td><a href="/${encodeURIComponent(file)}">${escapeHtml(header('Subject') || file)}</a></td></tr>`;
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
