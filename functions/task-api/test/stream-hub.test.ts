import { AppError, createLogger } from '@nudge/core';
import { createTestDatabase, freePort } from '@nudge/testing';
import { expect, it } from 'vitest';
import { createStreamHub } from '../src/stream-hub.ts';

it('fails opening a stream while PostgreSQL is unreachable instead of waiting forever', async () => {
  const database = await createTestDatabase();
  const hub = createStreamHub({
    db: database.db,
    databaseUrl: `postgres://nobody@127.0.0.1:${await freePort()}/nowhere`,
    logger: createLogger('test', 'silent'),
    heartbeatMs: 25_000,
    maxStreamMs: 300_000,
  });
  try {
    const started = Date.now();
    const error = await hub.open('ann', { write() {}, end() {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(hub.size).toBe(0);
  } finally {
    await hub.close();
    await database.drop();
  }
});
