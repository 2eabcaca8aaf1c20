import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, faultLoad, mailCounts, type Rig, seedReminders, startRig } from './rig.ts';

/*
 * Bulk delivery under faults: on-reminder-due gets reminder.due in batches (dapr/subscriptions,
 * bulkSubscribe). kill -9 in the middle of a batch loses no email; what a batch had sent but not
 * yet marked is resent with the same Message-ID, at most one batch (maxMessagesCount = 64) per
 * batch in flight, and nothing else is sent twice.
 */

let rig: Rig;
beforeAll(async () => {
  // A quarter of DATA replies answered 421 at random: transient failures of single entries inside batches.
  rig = await startRig({ faults: { transientRate: 0.25, permanentRate: 0 } });
});
afterAll(async () => {
  await rig?.stop();
});

describe('bulk delivery to on-reminder-due', () => {
  it('retries single entries, survives kill -9 mid-batch, and sends every reminder', async () => {
    const reminders = await seedReminders(rig.db, faultLoad, 3_000, 2_000);
    await rig.stack.scan();
    // Kill as soon as the first emails of the burst are accepted: batches are in flight.
    await eventually('first emails accepted', async () => rig.sink.accepted.size > 0, 60_000, rig);
    const pid = rig.stack.supervisor.pid('on-reminder-due');
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');

    await eventually(
      'every reminder email accepted',
      async () => mailCounts(rig.sink, reminders.keys()).delivered >= reminders.size,
      150_000,
      rig,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // anything doubled would show up now
    const mail = mailCounts(rig.sink, reminders.keys());
    expect(mail.delivered).toBe(reminders.size);
    expect(mail.resent).toBeLessThanOrEqual(64 * 2);
    const rows = await rig.db
      .selectFrom('reminders')
      .select(['status'])
      .where('id', 'in', [...reminders.keys()])
      .execute();
    expect(rows.every((row) => row.status === 'sent')).toBe(true);
    console.log(`bulk delivery: ${mail.resent} same-Message-ID resends after kill -9 mid-batch`);
  });
});
