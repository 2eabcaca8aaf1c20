import { createDb, createLogger, createMetrics, systemClock } from '@nudge/core';
import {
  createTestDatabase,
  insertReminderRow,
  insertTaskRow,
  insertUser,
  type RegisteredServer,
  relayToSidecar,
  serveRegistered,
  startTestSidecar,
  type TestDatabase,
  type TestSidecar,
} from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCronScanApp } from '../src/handler.ts';
import { createHeldReminders, type HeldReminders } from '../src/held-reminders.ts';

let database: TestDatabase;
let sidecar: TestSidecar;
let server: RegisteredServer;
let base: string;
let held: HeldReminders;

beforeAll(async () => {
  database = await createTestDatabase();
  sidecar = await startTestSidecar();
  const { db } = database;
  const metrics = createMetrics('cron-scan');
  const logger = createLogger('cron-scan', 'silent');
  const relay = relayToSidecar(sidecar, { db, metrics, logger, clock: systemClock });
  held = createHeldReminders({ db, relay, clock: systemClock, metrics, logger });
  const settings = {
    lookaheadMs: 35_000,
    leaseGraceMs: 10_000,
    batchSize: 100,
    changeRetentionMs: 30 * 86_400_000,
  };
  server = await serveRegistered(
    'cron-scan',
    createCronScanApp({ db, relay, held, clock: systemClock, metrics, logger, settings }),
  );
  base = server.url;
});
afterAll(async () => {
  await held.close();
  await server.close();
  await sidecar.close();
  await database.drop();
});

describe('cron-scan over HTTP', () => {
  it('runs a scan when the cron binding POSTs to /scan-schedule and answers a JSON summary', async () => {
    const { db } = database;
    await insertUser(db, 'ann');
    const task = await insertTaskRow(db, { user_id: 'ann', due_at: new Date(Date.now() + 3_600_000) });
    await insertReminderRow(db, {
      task_id: task.id,
      user_id: 'ann',
      remind_at: new Date(Date.now() - 1_000),
    });
    await insertReminderRow(db, {
      task_id: task.id,
      user_id: 'ann',
      remind_at: new Date(Date.now() + 20_000),
    });

    const response = await fetch(`${base}/scan-schedule`, { method: 'POST', body: '' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({
      claimed: 2,
      dispatched: 1,
      scheduled: 1,
      held: 1,
      relayed: 1,
    });
    expect(sidecar.accepted).toHaveLength(1);
  });

  it('serves health, readiness and metrics, and refuses other GETs', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/reminders_dispatched_total\{service="cron-scan"\} 1/);
    expect(metrics).toMatch(/cron_scan_duration_seconds_count\{service="cron-scan"\} 1/);
    const get = await fetch(`${base}/scan-schedule`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({
      error: { code: 'method_not_allowed', message: 'POST to run a scan', details: [] },
    });
    expect((await fetch(`${base}/scan-schedule`, { method: 'OPTIONS' })).status).toBe(405);
  });

  it('answers the sidecar’s startup questions (GET /dapr/subscribe, /dapr/config) with 404', async () => {
    expect((await fetch(`${base}/dapr/subscribe`)).status).toBe(404);
    expect((await fetch(`${base}/dapr/config`)).status).toBe(404);
  });

  it('answers 503 unavailable while PostgreSQL is unreachable, so the next tick scans again', async () => {
    const offline = {
      db: createDb('postgres://nobody:x@127.0.0.1:1/none', { connectionTimeoutMillis: 500 }),
    };
    const logger = createLogger('cron-scan', 'silent');
    const metrics = createMetrics('cron-scan');
    const relay = relayToSidecar(sidecar, { db: offline.db, metrics, logger, clock: systemClock });
    const offlineHeld = createHeldReminders({ db: offline.db, relay, clock: systemClock, metrics, logger });
    const settings = {
      lookaheadMs: 35_000,
      leaseGraceMs: 10_000,
      batchSize: 100,
      changeRetentionMs: 30 * 86_400_000,
    };
    const app = createCronScanApp({
      db: offline.db,
      relay,
      held: offlineHeld,
      clock: systemClock,
      metrics,
      logger,
      settings,
    });
    try {
      const res = await app.request('/scan-schedule', { method: 'POST' });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { code: 'unavailable', message: 'database unavailable; the next scan retries', details: [] },
      });
    } finally {
      await offlineHeld.close();
      await offline.db.destroy();
    }
  });
});
