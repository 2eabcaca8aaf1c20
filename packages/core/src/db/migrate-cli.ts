// `npm run migrate`: applies pending migrations to DATABASE_URL.
import { z } from 'zod';
import { createConfigLoader, env } from '../config/load-config.ts';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';

const loadConfig = createConfigLoader(z.object({ DATABASE_URL: env.databaseUrl }));

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 1 });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await db.destroy();
}
