import type { Db } from '@nudge/core';
import type { SmtpSink, TestStack } from '@nudge/testing';
import { seedDueReminders } from '@nudge/testing';
import { sql } from 'kysely';
import { type DeliveryOutcome, deliveryOutcome } from './lateness.ts';

/** How long to keep listening after the last expected email, so a late duplicate is counted. */
const settleMs = 1_000;

async function settle(sink: SmtpSink, target: number, timeoutMs: number): Promise<void> {
  await sink.waitFor(target, timeoutMs).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, settleMs));
}

/**
 * `count` reminders due in the same second, `leadMs` from now, through the whole local stack:
 * cron-scan leases them ahead and dispatches each at its time, the outbox relay publishes
 * reminder.due through the sidecar, on-reminder-due sends the email to the sink.
 * One scan is triggered right after they are written, standing in for the regular scan that, in
 * production, finds a reminder long before it is due.
 */
export async function nudgeReminderBurst(
  stack: TestStack,
  db: Db,
  sink: SmtpSink,
  options: { count: number; leadMs: number; timeoutMs: number; label: string },
): Promise<DeliveryOutcome> {
  const reminders = await seedDueReminders(db, {
    count: options.count,
    remindAt: new Date(Date.now() + 86_400_000),
    label: options.label,
  });
  const dueAt = new Date(Date.now() + options.leadMs);
  await sql`update reminders set remind_at = ${dueAt} where id = any(${reminders.map((r) => r.id)}::uuid[])`.execute(
    db,
  );
  await stack.scan();
  if (Date.now() >= dueAt.getTime()) throw new Error('setup overran the lead time: raise leadMs');
  await settle(sink, sink.accepted.size + reminders.length, options.timeoutMs);
  return deliveryOutcome(sink, new Map(reminders.map((reminder) => [reminder.id, dueAt.getTime()])));
}

/**
 * `count` reminders due at random instants spread evenly over `spreadMs`, starting `leadMs` from
 * now; the regular 30 s scans take them, after one triggered scan at the start.
 */
export async function nudgeSteadyReminders(
  stack: TestStack,
  db: Db,
  sink: SmtpSink,
  options: { count: number; leadMs: number; spreadMs: number; timeoutMs: number; label: string },
): Promise<DeliveryOutcome> {
  const reminders = await seedDueReminders(db, {
    count: options.count,
    remindAt: new Date(Date.now() + 86_400_000),
    label: options.label,
  });
  const start = Date.now() + options.leadMs;
  const due = new Map(reminders.map((reminder) => [reminder.id, start + Math.random() * options.spreadMs]));
  const ids = [...due.keys()];
  const times = ids.map((id) => new Date(due.get(id)!).toISOString());
  await sql`update reminders set remind_at = v.at
    from unnest(${ids}::uuid[], ${times}::timestamptz[]) as v(id, at) where reminders.id = v.id`.execute(db);
  await stack.scan();
  await settle(
    sink,
    sink.accepted.size + reminders.length,
    options.leadMs + options.spreadMs + options.timeoutMs,
  );
  return deliveryOutcome(sink, due);
}
