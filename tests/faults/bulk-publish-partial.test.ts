import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventuallyOutboxPublished,
  expectOutboxPublished,
  expectPerUserOrder,
  outageSeconds,
  type Rig,
  startRig,
} from './rig.ts';

/*
 * The broker fails single entries of bulk publishes (as Kafka fails a partition): the sidecar
 * answers 500 naming the failed entryIds and has taken the rest. Each failed entry holds back
 * its user alone; afterwards every event is on the broker exactly once, each user's in commit order.
 */

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ brokerProxy: true });
});
afterAll(async () => {
  await rig?.stop();
});

describe('bulk publish with failing entries', () => {
  it('publishes every event exactly once, in per-user order, while a third of all entries fail', async () => {
    const proxy = rig.stack.proxy!;
    const users = Array.from({ length: 30 }, (_, i) => `bench-${i}`);
    let stop = false;
    // Creates with a reminder, then edits: task-events and reminders rows whose order matters.
    const load = Promise.all(
      users.slice(0, 6).map(async (_, lane) => {
        for (let i = lane; !stop; i += 6) {
          const user = users[i % users.length]!;
          const created = await rig.call('POST', '/api/tasks', user, {
            title: `Partial ${i}`,
            due_at: new Date(Date.now() + 86_400_000).toISOString(),
            reminders: [{ before: 'PT1H' }],
          });
          expect(created.status).toBe(201);
          const id = (created.body as { id: string }).id;
          expect((await rig.call('PATCH', `/api/tasks/${id}`, user, { priority: 'high' })).status).toBe(200);
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    let failed = 0;
    proxy.failEntries(() => {
      if (Math.random() >= 1 / 3) return undefined;
      failed += 1;
      return 'kafka: NOT_ENOUGH_REPLICAS';
    });
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    proxy.failEntries(undefined);
    stop = true;
    await load;
    expect(failed).toBeGreaterThan(0);
    const retried = await rig.db.selectFrom('outbox').select('id').where('attempts', '>', 0).execute();
    expect(retried.length).toBeGreaterThan(0);

    // Backoff starts at 1 s; kicks and cron-scan's relay pass publish what the failures held back.
    await eventuallyOutboxPublished(rig, 120_000);
    await expectOutboxPublished(rig);
    await expectPerUserOrder(rig);
    for (const topic of ['task-events', 'reminders']) {
      const ids = (await rig.stack.topic(topic)).map((record) => record.event.id);
      expect(ids.length - new Set(ids).size, `${topic}: events on the broker twice`).toBe(0);
    }
    const bulk = proxy.requests.filter((request) => request.url.startsWith('/v1.0-alpha1/publish/bulk/'));
    expect(bulk.length).toBe(proxy.requests.length);
    console.log(
      `${failed} entries failed across ${bulk.length} bulk requests; ${retried.length} events retried`,
    );
  });
});
