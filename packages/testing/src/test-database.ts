import { randomBytes } from 'node:crypto';
import type { Db } from '@nudge/core';
import { createDb } from '@nudge/core';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of the maintenance database on the test server. */
    pgAdminUrl: string;
    /** Name of the migrated template each test file clones. */
    pgTemplate: string;
  }
}

export interface TestDatabase {
  db: Db;
  url: string;
  /** Drops the database; keeps it when `KEEP_FAILED_DB` is set, for inspection. */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database for one test file: a clone of the template made by the global setup. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `nudge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        // 55006: the template is briefly busy while another worker clones it.
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 10 });
  return {
    db,
    url,
    async drop() {
      await db.destroy();
      if (process.env.KEEP_FAILED_DB) return;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
