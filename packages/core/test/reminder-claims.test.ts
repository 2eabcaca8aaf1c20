import {
  createTestDatabase,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type TestDatabase,
} from '@nudge/testing';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as splitClaims from '../src/db/migrations/2026-11-29-001-split-reminder-claims.ts';
import {
  claimDue,
  claimForSending,
  type Db,
  dispatchHeld,
  leaseUpcoming,
  releaseLeases,
  releaseSendClaim,
} from '../src/index.ts';

let testDb: TestDatabase;
let db: Db;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  await insertUser(db, 'ann');
});
afterAll(() => testDb.drop());
beforeEach(async () => {
  await db.deleteFrom('tasks').execute();
});

const now = new Date('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);

async function reminder(remindAt: Date, extra: { dispatched_at?: Date } = {}) {
  const task = await insertTaskRow(db, { user_id: 'ann', due_at: at(3_600_000) });
  return insertReminderRow(db, { task_id: task.id, user_id: 'ann', remind_at: remindAt, ...extra });
}

const row = (id: string) =>
  db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Counts the statements sent through a Kysely instance. */
function countingStatements(base: Db) {
  const counter = { statements: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      counter.statements += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: base.withPlugin(plugin), counter };
}

describe("the scan's lease (reminder/dispatch.ts)", () => {
  it('gives back every lease a process holds in one statement, leaving leases that changed hands', async () => {
    const reminders = await Promise.all([1, 2, 3, 4].map((n) => reminder(at(n * 1_000))));
    const leased = await leaseUpcoming(db, { now, until: at(10_000), graceMs: 10_000, limit: 100 });
    expect(leased).toHaveLength(4);
    // Another scan took the fourth over after the lease lapsed: its lease is no longer ours.
    const takenOver = reminders[3]!;
    await db
      .updateTable('reminders')
      .set({ lease_until: at(60_000) })
      .where('id', '=', takenOver.id)
      .execute();

    const { db: counted, counter } = countingStatements(db);
    await releaseLeases(counted, leased);
    expect(counter.statements).toBe(1);
    for (const r of reminders.slice(0, 3)) expect((await row(r.id)).lease_until).toBeNull();
    expect((await row(takenOver.id)).lease_until).toEqual(at(60_000));
  });

  it('dispatches held reminders in one statement and only those whose lease and time are unchanged', async () => {
    const kept = await reminder(at(1_000));
    const moved = await reminder(at(2_000));
    const leased = await leaseUpcoming(db, { now, until: at(10_000), graceMs: 10_000, limit: 100 });
    await db
      .updateTable('reminders')
      .set({ remind_at: at(5_000) })
      .where('id', '=', moved.id)
      .execute();

    const { db: counted, counter } = countingStatements(db);
    const dispatched = await counted.transaction().execute((trx) => dispatchHeld(trx, leased, at(1_000)));
    expect(counter.statements).toBe(1);
    expect(dispatched.map((r) => r.id)).toEqual([kept.id]);
    expect(await row(kept.id)).toMatchObject({ lease_until: null, dispatched_at: at(1_000) });
  });

  it('a send claim does not hold a reminder back from the scan, nor a scan lease from the sender', async () => {
    const sending = await reminder(at(-2_000), { dispatched_at: at(-2_000) });
    expect(
      (await claimForSending(db, { reminderId: sending.id, reminderTime: at(-2_000) }, now, 30_000)).kind,
    ).toBe('claimed');
    expect(await row(sending.id)).toMatchObject({ lease_until: null, send_claim_until: at(30_000) });
    // A task edit moves it later; the scan dispatches it at its new time despite the claim.
    await db
      .updateTable('reminders')
      .set({ remind_at: at(1_000) })
      .where('id', '=', sending.id)
      .execute();
    const claimed = await db.transaction().execute((trx) => claimDue(trx, at(1_000), 10));
    expect(claimed.map((r) => r.id)).toEqual([sending.id]);

    const held = await reminder(at(5_000));
    await leaseUpcoming(db, { now, until: at(10_000), graceMs: 10_000, limit: 100 });
    expect((await row(held.id)).send_claim_until).toBeNull();
    await releaseSendClaim(db, [{ reminderId: sending.id, error: 'smtp down' }], now);
    expect(await row(sending.id)).toMatchObject({ send_claim_until: null, last_error: 'smtp down' });
  });
});

describe('migration 2026-11-29-001: one column per meaning', () => {
  it("moves a dispatched reminder's claim to send_claim_until and leaves scan leases in lease_until", async () => {
    const sending = await reminder(at(-5_000), { dispatched_at: at(-5_000) });
    const leased = await reminder(at(5_000));
    const movedAfterDispatch = await reminder(at(5_000), { dispatched_at: at(-5_000) });
    await splitClaims.down(db);
    // Before the split one column held both: the sender's claim and the scan's leases.
    for (const [id, until] of [
      [sending.id, at(30_000)],
      [leased.id, at(15_000)],
      [movedAfterDispatch.id, at(15_000)],
    ] as const) {
      await db.updateTable('reminders').set({ lease_until: until }).where('id', '=', id).execute();
    }
    await splitClaims.up(db);

    expect(await row(sending.id)).toMatchObject({ lease_until: null, send_claim_until: at(30_000) });
    expect(await row(leased.id)).toMatchObject({ lease_until: at(15_000), send_claim_until: null });
    expect(await row(movedAfterDispatch.id)).toMatchObject({
      lease_until: at(15_000),
      send_claim_until: null,
    });
  });
});
