import { reminderMessageId } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  faultLoad,
  mailCounts,
  outageSeconds,
  type Rig,
  seedReminders,
  startRig,
} from './rig.ts';

/*
 * The SMTP server is down for a while, and otherwise answers 10% of messages 421 (try later) and
 * refuses 1% with 550 (never). 4xx and outages are retried until delivered; 5xx marks the reminder
 * failed and dead-letters its event; no message is accepted twice.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ faults: { transientRate: 0.1, permanentRate: 0.01 } });
});
afterAll(async () => {
  await rig?.stop();
});

describe('SMTP outage and errors', () => {
  it(`retries 4xx and a ${outageSeconds} s outage to delivery, fails and dead-letters 5xx, sends nothing twice`, async () => {
    const reminders = await seedReminders(rig.db, faultLoad, 4_000, 8_000 + outageSeconds * 1000);
    // At least two reminders the server refuses for good, so the 5xx path is always exercised.
    while (
      [...reminders.keys()].filter((id) => rig.sink.refusesPermanently(reminderMessageId(id))).length < 2
    ) {
      for (const [id, at] of await seedReminders(rig.db, 50, 4_000, 8_000 + outageSeconds * 1000))
        reminders.set(id, at);
    }
    const refused = new Set(
      [...reminders.keys()].filter((id) => rig.sink.refusesPermanently(reminderMessageId(id))),
    );
    await rig.stack.scan();

    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await rig.sink.pause();
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    await rig.sink.resume();
    const recoveredAt = Date.now();

    const deliverable = [...reminders.keys()].filter((id) => !refused.has(id));
    await eventually(
      'every deliverable reminder accepted',
      async () => mailCounts(rig.sink, deliverable).delivered >= deliverable.length,
      120_000,
      rig,
    );
    await eventually(
      'every refused reminder marked failed',
      async () =>
        (
          await rig.db
            .selectFrom('reminders')
            .select('id')
            .where('id', 'in', [...refused])
            .where('status', '=', 'failed')
            .execute()
        ).length === refused.size,
      60_000,
      rig,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(mailCounts(rig.sink, reminders.keys())).toEqual({ delivered: deliverable.length, resent: 0 });
    const statuses = await rig.db
      .selectFrom('reminders')
      .select(['id', 'status'])
      .where('id', 'in', [...reminders.keys()])
      .execute();
    for (const row of statuses) expect(row.status, row.id).toBe(refused.has(row.id) ? 'failed' : 'sent');
    const deadLettered = new Set(
      (await rig.stack.topic('reminders-dlq')).map((record) =>
        String(record.event.data?.payload?.reminder_id),
      ),
    );
    expect(deadLettered).toEqual(refused);
    // Reminders caught by the outage go out soon after it ends.
    const caught = deliverable.filter((id) => reminders.get(id)! < recoveredAt);
    const afterRecovery = caught.map(
      (id) => rig.sink.accepted.get(reminderMessageId(id))!.acceptedAt - recoveredAt,
    );
    expect(Math.max(...afterRecovery) / 1000).toBeLessThan(60);
    expect(rig.sink.replies.get(421) ?? 0).toBeGreaterThan(0);
    console.log(
      `${reminders.size} reminders: ${refused.size} refused (550), ${rig.sink.replies.get(421)} answers 421, ` +
        `${caught.length} caught by the outage, the last sent ${Math.round(Math.max(...afterRecovery) / 100) / 10} s after recovery`,
    );
  });
});
