import { join } from 'node:path';
import { freePort, type NodeProcess, repoRoot, spawnNode, waitForHttp } from '@nudge/testing';
import { sql } from 'kysely';
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
 * Three cron-scan replicas scan at the same moments; then all of them stop (frozen with SIGSTOP,
 * leases and timers in hand) while reminders come due. No reminder is dispatched twice, and every
 * one missed during the outage is sent once the scanners are back.
 */

let rig: Rig;
const extra: NodeProcess[] = [];
beforeAll(async () => {
  rig = await startRig();
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const replica = await spawnNode(join(repoRoot, 'functions', 'cron-scan', 'src', 'main.ts'), [], {
      cwd: repoRoot,
      env: {
        DATABASE_URL: rig.database.url,
        DAPR_HTTP_PORT: new URL(rig.stack.urls.sidecar).port,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
    });
    extra.push(replica);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    scanners.push(`http://127.0.0.1:${port}`);
  }
  scanners.push(rig.stack.urls['cron-scan']);
});
afterAll(async () => {
  for (const replica of extra) await replica.stop();
  await rig?.stop();
});

const scanners: string[] = [];
const scanAll = () =>
  Promise.all(
    scanners.map(async (url) => {
      const response = await fetch(`${url}/scan-schedule`, { method: 'POST' });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }),
  );

async function dispatchCounts() {
  const { rows } = await sql<{ reminder_id: string; n: number }>`
    select cloud_event->'data'->'payload'->>'reminder_id' as reminder_id, count(*)::int as n
    from outbox where event_type = 'reminder.due' group by 1`.execute(rig.db);
  return rows;
}

describe('concurrent scanners and a scanner outage', () => {
  it('three scanners never dispatch a reminder twice, and reminders missed while all were down go out after', async () => {
    const half = Math.ceil(faultLoad / 2);
    // Some due while the three scan together (including already overdue ones), some during the outage.
    const together = await seedReminders(rig.db, half, -5_000, 20_000);
    const scanning = (async () => {
      for (let round = 0; round < 8; round += 1) {
        await scanAll();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    })();
    await scanning;
    const duringOutage = await seedReminders(rig.db, faultLoad - half, 3_000, outageSeconds * 1000);
    await scanAll(); // leases some of them ahead, then every holder freezes

    const pids = [...extra.map((replica) => replica.pid), rig.stack.supervisor.pid('cron-scan')!];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000 + 3_000));
    for (const pid of pids) process.kill(pid, 'SIGCONT');

    const all = new Map([...together, ...duringOutage]);
    // No manual scan after recovery: the cron binding's next tick (≤ 30 s) must pick up the rest.
    await eventually(
      'every reminder sent after the scanners recover',
      async () => mailCounts(rig.sink, all.keys()).delivered >= all.size,
      90_000,
      rig,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const counts = await dispatchCounts();
    expect(counts.filter((row) => row.n !== 1)).toEqual([]);
    expect(counts).toHaveLength(all.size);
    expect(mailCounts(rig.sink, all.keys())).toEqual({ delivered: all.size, resent: 0 });
  });
});
