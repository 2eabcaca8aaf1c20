import type { Migration } from 'kysely/migration';
import * as initialSchema from './2026-11-22-001-initial-schema.ts';
import * as splitReminderClaims from './2026-11-29-001-split-reminder-claims.ts';
import * as changeFeed from './2026-11-29-002-change-feed.ts';

/**
 * Every migration, by name. A static list rather than a folder scan, so a bundled function
 * (one esbuild file) carries its migrations with it. Names sort in the order they apply.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-22-001-initial-schema': initialSchema,
  '2026-11-29-001-split-reminder-claims': splitReminderClaims,
  '2026-11-29-002-change-feed': changeFeed,
};
