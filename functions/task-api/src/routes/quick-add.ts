import {
  createTask,
  createTaskSchema,
  instantSchema,
  parseOrThrow,
  parseQuickAdd,
  quickAddTextSchema,
  timezoneSchema,
} from '@nudge/core';
import { z } from 'zod';
import type { Route } from './route.ts';

/** `POST /api/tasks/quick` body: the line and the zone its dates are read in. */
export const quickAddSchema = z.strictObject({
  text: quickAddTextSchema.describe('one line as the user typed it; at most 1,000 characters, not blank'),
  timezone: timezoneSchema.describe('IANA zone the dates are read in, e.g. Europe/Berlin'),
});

/** `POST /api/tasks/parse` body; `now` lets a client (or a test) say when the text was typed. */
export const parseRequestSchema = quickAddSchema.extend({
  now: instantSchema.optional().describe('when the text was typed (RFC 3339); default: the server clock'),
});

/** Quick add: parse a line into a draft and chips (writes nothing), or parse and create in one call. */
export const quickAddRoutes: Route[] = [
  {
    method: 'post',
    path: '/api/tasks/parse',
    operation: 'quick_parse',
    mutates: false,
    async handle({ body, now }) {
      const input = parseOrThrow(parseRequestSchema, body);
      const { draft, tokens } = parseQuickAdd(input.text, {
        timezone: input.timezone,
        now: input.now ? new Date(input.now) : now,
      });
      return { status: 200, json: { draft, tokens } };
    },
  },
  {
    method: 'post',
    path: '/api/tasks/quick',
    operation: 'quick_create',
    mutates: true,
    async handle({ user, body, now }, { db }) {
      const { text, timezone } = parseOrThrow(quickAddSchema, body);
      const { draft } = parseQuickAdd(text, { timezone, now });
      // The draft goes through POST /api/tasks' own schema and service: same rules, same events.
      return {
        status: 201,
        json: await createTask(db, user.sub, parseOrThrow(createTaskSchema, draft), now),
      };
    },
  },
];
