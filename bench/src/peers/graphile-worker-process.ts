/**
 * The peer of benchmark 5: a graphile-worker process doing exactly what on-reminder-due does per
 * reminder — read the reminder with its task and user, send the email over SMTP with a
 * deterministic Message-ID, mark the reminder sent — for jobs scheduled with `run_at`.
 * Runs as its own process, like our functions, so both sides share the machine alike.
 * Usage: node graphile-worker-process.ts '<json options>'; prints "ready" once polling.
 */
import { run, type Task } from 'graphile-worker';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import pg from 'pg';

interface Options {
  connectionString: string;
  smtpUrl: string;
  concurrency: number;
  pollInterval: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const pool = new pg.Pool({ connectionString: options.connectionString, max: options.concurrency + 2 });
const smtp = new URL(options.smtpUrl);
const poolOptions: SMTPPool.Options = {
  pool: true,
  host: smtp.hostname,
  port: Number(smtp.port),
  secure: false,
  maxConnections: options.concurrency,
};
const transport = nodemailer.createTransport(poolOptions);

const sendReminder: Task = async (payload) => {
  const { reminder_id } = payload as { reminder_id: string };
  const { rows } = await pool.query<{ title: string; due_at: Date; timezone: string; email: string }>(
    `select t.title, t.due_at, t.timezone, u.email
       from reminders r join tasks t on t.id = r.task_id join users u on u.id = r.user_id
      where r.id = $1 and r.status = 'pending'`,
    [reminder_id],
  );
  const row = rows[0];
  if (!row) return;
  await transport.sendMail({
    from: 'Nudge <reminders@nudge.example>',
    to: row.email,
    subject: `Reminder: ${row.title}`,
    text: `"${row.title}" is due ${row.due_at.toLocaleString('en-GB', { timeZone: row.timezone })} (${row.timezone}).`,
    messageId: `<reminder-${reminder_id}@nudge.example>`,
  });
  await pool.query(
    `update reminders set status = 'sent', sent_at = now(), updated_at = now() where id = $1`,
    [reminder_id],
  );
};

const runner = await run({
  connectionString: options.connectionString,
  concurrency: options.concurrency,
  pollInterval: options.pollInterval,
  maxPoolSize: options.concurrency + 2,
  noHandleSignals: false,
  taskList: { send_reminder: sendReminder },
});
console.log('ready');
await runner.promise;
await pool.end();
transport.close();
