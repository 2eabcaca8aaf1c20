import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  eventuallyOutboxPublished,
  expectExactlyOneNextOccurrence,
  expectOutboxPublished,
  expectPerUserOrder,
  faultLoad,
  nextOccurrenceCounts,
  outageSeconds,
  type Rig,
  seedRecurringTasks,
  startRig,
} from './rig.ts';

/*
 * The broker goes away under load: first the sidecar answers every publish with 500 (its Kafka is
 * down), then it refuses connections altogether. Writes keep succeeding (the outbox holds the
 * events); once it is back, every event is published, each user's in commit order.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ brokerProxy: true });
});
afterAll(async () => {
  await rig?.stop();
});

describe('broker outage', () => {
  it(`loses nothing and keeps each user's order through ${outageSeconds} s of 500s then ${outageSeconds} s of refused connections`, async () => {
    const proxy = rig.stack.proxy!;
    const tasks = await seedRecurringTasks(rig.db, faultLoad);
    const users = [...new Set(tasks.map((task) => task.user_id))].slice(0, 20);
    let stop = false;
    let writes = 0;
    // Creates, edits and completions from a few users throughout: events whose order matters.
    const load = (async () => {
      let i = 0;
      while (!stop) {
        const user = users[i % users.length]!;
        const created = await rig.call('POST', '/api/tasks', user, {
          title: `Outage task ${i}`,
          priority: 'low',
        });
        expect(created.status).toBe(201);
        const id = (created.body as { id: string }).id;
        expect((await rig.call('PATCH', `/api/tasks/${id}`, user, { priority: 'high' })).status).toBe(200);
        const task = tasks[i % tasks.length]!;
        if (i < tasks.length)
          expect((await rig.call('POST', `/api/tasks/${task.id}/complete`, task.user_id)).status).toBe(200);
        writes += 3;
        i += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return i;
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    proxy.respondWith(500); // a sidecar whose broker is down
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    await proxy.refuse(); // a dead sidecar
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    const unpublished = await rig.db
      .selectFrom('outbox')
      .select('id')
      .where('published_at', 'is', null)
      .execute();
    expect(unpublished.length).toBeGreaterThan(0); // the outage really held events back
    proxy.respondWith(204);
    await proxy.listen();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stop = true;
    const rounds = await load;
    const completed = tasks.slice(0, Math.min(rounds, tasks.length)).map((task) => task.id);

    // cron-scan's relay pass (every 30 s) retries whatever the outage left behind.
    await eventuallyOutboxPublished(rig, 120_000);
    await eventually(
      'every completion has its next occurrence',
      async () => (await nextOccurrenceCounts(rig.db, completed)).children >= completed.length,
      60_000,
      rig,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectOutboxPublished(rig);
    await expectPerUserOrder(rig);
    await expectExactlyOneNextOccurrence(rig.db, completed);
    console.log(
      `${writes} writes during the run, ${unpublished.length} events held back at the end of the outage`,
    );
  });
});
