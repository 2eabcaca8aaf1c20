import {
  calendarToImport,
  exportTasks,
  importDocumentSchema,
  importTasks,
  parseOrThrow,
  toICalendar,
} from '@nudge/core';
import { z } from 'zod';
import type { Route } from './route.ts';

export const exportQuerySchema = z.strictObject({ format: z.enum(['json', 'ics']).default('json') });

/** Export (JSON that re-imports losslessly, or iCalendar) and import of either. */
export const transferRoutes: Route[] = [
  {
    method: 'get',
    path: '/api/tasks/export',
    operation: 'export',
    mutates: false,
    async handle({ user, query, now }, { db }) {
      const { format } = parseOrThrow(exportQuerySchema, query);
      const doc = await exportTasks(db, user.sub, now);
      const disposition = { 'content-disposition': `attachment; filename="nudge-tasks.${format}"` };
      if (format === 'json') return { status: 200, json: doc, headers: disposition };
      return {
        status: 200,
        text: toICalendar(doc.tasks, now),
        contentType: 'text/calendar; charset=utf-8',
        headers: disposition,
      };
    },
  },
  {
    method: 'post',
    path: '/api/tasks/import',
    operation: 'import',
    mutates: true,
    accepts: ['application/json', 'text/calendar'],
    async handle({ user, body, now }, { db }) {
      // A text/calendar body arrives as its text; JSON arrives parsed.
      const doc =
        typeof body === 'string' ? calendarToImport(body, now) : parseOrThrow(importDocumentSchema, body);
      return { status: 200, json: { imported: await importTasks(db, user.sub, doc, now) } };
    },
  },
];
