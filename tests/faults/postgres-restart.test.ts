import { sql } from 'kysely';
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
 * PostgreSQL restarts in the middle of the load. The functions ride it out on their own — none is
 * restarted — and once it is back every completion rolls forward and every reminder goes out.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.stop();
});

const processes = ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan', 'sidecar'] as const;

describe('PostgreSQL restart', () => {
  it('functions recover without a restart of their own and finish the load exactly once', async () => {
    const tasks = await seedRecurringTasks(rig.db, faultLoad);
    const reminders = await seedReminders(rig.db, faultLoad, 5_000, 20_000);
    await rig.stack.scan();
    const pidsBefore = processes.map((name) => rig.stack.supervisor.pid(name));
    const startedAt = async () =>
      (
        await sql<{ at: Date }>`select pg_postmaster_start_time() as at`.execute(rig.db)
      ).rows[0]!.at.getTime();
    const serverStartedBefore = await startedAt();

    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await rig.postgres.restart(3_000);
    })();
    await completeAll(rig, tasks, { concurrency: 4, spreadMs: 20_000 });
    await restart;

    const parents = tasks.map((task) => task.id);
    await eventually(
      'every completion has its next occurrence',
      async () =>
        (await nextOccurrenceCounts(rig.db, parents).catch(() => ({ children: 0 }))).children >=
        parents.length,
      120_000,
      rig,
    );
    await eventually(
      'every reminder email accepted',
      async () => mailCounts(rig.sink, reminders.keys()).delivered >= reminders.size,
      120_000,
      rig,
    );
    await eventuallyOutboxPublished(rig, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(await startedAt()).toBeGreaterThan(serverStartedBefore); // PostgreSQL did restart
    expect(processes.map((name) => rig.stack.supervisor.pid(name))).toEqual(pidsBefore);
    await expectExactlyOneNextOccurrence(rig.db, parents);
    expect(mailCounts(rig.sink, reminders.keys())).toEqual({ delivered: reminders.size, resent: 0 });
    await expectOutboxPublished(rig);
    for (const name of ['task-api', 'on-task-completed', 'on-reminder-due', 'cron-scan']) {
      const ready = await fetch(`${rig.stack.urls[name as 'task-api']}/readyz`);
      expect(ready.status, `${name} /readyz`).toBe(200);
    }
  });
});
