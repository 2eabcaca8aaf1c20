import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { type SinkMail, startSmtpSink } from '../src/smtp-sink.ts';
import { tempDataDir } from './dapr-fixture.ts';

describe('SMTP sink as the local mail capture', () => {
  it('accepts a message over SMTP, writes it unchanged as an .eml file and lists it over HTTP', async () => {
    const dir = await tempDataDir();
    const captured: SinkMail[] = [];
    const capture = await startSmtpSink({
      dir: join(dir, 'mail'),
      port: 0,
      httpPort: 0,
      onMail: (mail) => captured.push(mail),
    });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: capture.port,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'Nudge <nudge@localhost>',
      to: 'demo@example.com',
      subject: 'Reminder: Water the plants',
      text: 'Due at 09:00',
      messageId: '<reminder-1@nudge.local>',
    });
    transport.close();
    const page = await (await fetch(capture.httpUrl!)).text();
    expect(page).toContain('Reminder: Water the plants');
    const link = /href="\/([^"]+)"/.exec(page)![1]!;
    const raw = await fetch(new URL(link, capture.httpUrl)).then((response) => response.text());
    expect(raw).toContain('Due at 09:00');
    expect((await fetch(new URL('/..%2Fjwt-secret', capture.httpUrl))).status).toBe(404);
    await capture.stop();
    expect(captured).toHaveLength(1);
    expect(captured[0]).toMatchObject({
      from: 'nudge@localhost',
      to: ['demo@example.com'],
      subject: 'Reminder: Water the plants',
    });
    expect(captured[0]!.file).toMatch(/\.eml$/);
    const file = await readFile(captured[0]!.file!, 'utf8');
    expect(file).toMatch(/^Message-ID: <reminder-1@nudge\.local>/m);
    expect(file).toContain('Due at 09:00');
    await rm(dir, { recursive: true });
  });
});
