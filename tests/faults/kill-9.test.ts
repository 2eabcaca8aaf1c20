import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeAll,
  eventually,
  eventuallyOutboxPublished,
  expectExactlyOneNextOccurrence,
  expectOutboxPublished,
  faultLoad,
  mailCounts,
  nextOccurrenceCounts,
  type Rig,
  seedRecurringTasks,
  seedReminders,
  startRig,
} from './rig.ts';

/*
 * kill -9 of every process of the local stack, each at a random moment while completions and
 * reminders flow; the supervisor restarts them. Afterwards nothing is lost and nothing doubled.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.stop();
});

const victims = ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan', 'sidecar'] as const;

describe('kill -9 under load', () => {
  it('loses nothing and doubles nothing when each function and the sidecar are killed mid-load', async () => {
    const tasks = await seedRecurringTasks(rig.db, faultLoad);
    const reminders = await seedReminders(rig.db, faultLoad, 5_000, 25_000);
    await rig.stack.scan(); // the regular scan that finds reminders ahead of time

    const kills: string[] = [];
    const killer = (async () => {
      for (const victim of [...victims].sort(() => Math.random() - 0.5)) {
        await new Promise((resolve) => setTimeout(resolve, 2_000 + Math.random() * 4_000));
        const pid = rig.stack.supervisor.pid(victim);
        if (pid === undefined) continue;
        process.kill(pid, 'SIGKILL');
        kills.push(`${victim}@${new Date().toISOString()}`);
      }
    })();
    await completeAll(rig, tasks, { concurrency: 4, spreadMs: 25_000 });
    await killer;
    expect(kills).toHaveLength(victims.length);

    const parents = tasks.map((task) => task.id);
    await eventually(
      'every completion has its next occurrence',
      async () => (await nextOccurrenceCounts(rig.db, parents)).children >= parents.length,
      120_000,
      rig,
    );
    await eventually(
      'every reminder email accepted',
      async () => mailCounts(rig.sink, reminders.keys()).delivered >= reminders.size,
      150_000,
      rig,
    );
    await eventuallyOutboxPublished(rig, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // anything doubled would show up now

    await expectExactlyOneNextOccurrence(rig.db, parents);
    const mail = mailCounts(rig.sink, reminders.keys());
    expect(mail.delivered).toBe(reminders.size);
    // A send cut by kill -9 between the SMTP server's acceptance and "mark sent" is sent again
    // with the same Message-ID (at least once, recognisably the same message); nothing else is.
    expect(mail.resent).toBeLessThanOrEqual(64);
    const sent = await rig.db
      .selectFrom('reminders')
      .select(['id', 'status'])
      .where('id', 'in', [...reminders.keys()])
      .execute();
    expect(sent.every((row) => row.status === 'sent')).toBe(true);
    await expectOutboxPublished(rig);
    console.log(`killed ${kills.join(', ')}; ${mail.resent} same-Message-ID resends`);
  });
});
