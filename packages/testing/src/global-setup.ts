import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrateToLatest } from '@nudge/core';
import { startEmbeddedPostgres } from '@nudge/local';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const template = 'nudge_template';

/**
 * Runs once per `vitest` run: uses TEST_DATABASE_URL (a superuser URL) when given, otherwise
 * starts an embedded PostgreSQL in a temp folder; migrates a template database that every
 * test file clones.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let teardown = async () => {};
  if (!adminUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'nudge-test-pg-'));
    await chmod(dataDir, 0o755); // PostgreSQL runs as `postgres` when we are root: it must reach the folder
    const server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'data'), persistent: false });
    adminUrl = server.adminUrl;
    teardown = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template} with (force)`);
  await admin.query(`create database ${template}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  const db = createDb(templateUrl.toString(), { max: 1 });
  await migrateToLatest(db);
  await db.destroy();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  return teardown;
}
