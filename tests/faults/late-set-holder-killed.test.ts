import { reminderMessageId } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, mailCounts, type Rig, startRig } from './rig.ts';

/*
 * A reminder set a few seconds ahead is held by cron-scan as soon as it hears reminder.scheduled.
 * kill -9 of cron-scan before its time loses the timer; the lease lapses (its time plus the
 * grace) and the next scan sends it, once.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.stop();
});

const graceMs = 10_000; // SCAN_LEASE_GRACE_SECONDS' default

describe('late-set reminder whose holder is killed', () => {
  it('is sent exactly once, by the next scan after the lease lapses', async () => {
    const remindAt = new Date(Date.now() + 6_000);
    const created = await rig.call('POST', '/api/tasks', 'bench-7', {
      title: 'Take the cake out',
      due_at: new Date(Date.now() + 3_600_000).toISOString(),
      reminders: [{ at: remindAt.toISOString() }],
    });
    expect(created.status).toBe(201);
    const taskId = (created.body as { id: string }).id;
    const reminder = await rig.db
      .selectFrom('reminders')
      .select(['id', 'remind_at'])
      .where('task_id', '=', taskId)
      .executeTakeFirstOrThrow();

    // cron-scan holds it through the event, long before any 30 s scan would.
    await eventually(
      'the late-set reminder is leased',
      async () =>
        (
          await rig.db
            .selectFrom('reminders')
            .select('lease_until')
            .where('id', '=', reminder.id)
            .executeTakeFirstOrThrow()
        ).lease_until !== null,
      5_000,
      rig,
    );
    const pid = rig.stack.supervisor.pid('cron-scan');
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');

    await eventually(
      'the reminder email accepted',
      async () => mailCounts(rig.sink, [reminder.id]).delivered === 1,
      90_000,
      rig,
    );
    const mail = rig.sink.accepted.get(reminderMessageId(reminder.id))!;
    // Not by the killed holder's timer: only after its lease lapsed.
    expect(mail.acceptedAt).toBeGreaterThanOrEqual(reminder.remind_at.getTime() + graceMs);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // anything doubled would show up now
    expect(mailCounts(rig.sink, [reminder.id])).toEqual({ delivered: 1, resent: 0 });
    const row = await rig.db
      .selectFrom('reminders')
      .select('status')
      .where('id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
  });
});
