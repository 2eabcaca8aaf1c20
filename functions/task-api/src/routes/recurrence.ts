import { instantSchema, parseOrThrow, ruleSchema, schedule, timezoneSchema } from '@nudge/core';
import { z } from 'zod';
import type { Route } from './route.ts';

export const previewSchema = z.strictObject({
  rule: ruleSchema,
  dtstart: instantSchema,
  timezone: timezoneSchema.default('UTC'),
  count: z.number().int().min(1).max(500).default(10),
});

export const recurrenceRoutes: Route[] = [
  {
    method: 'post',
    path: '/api/recurrence/preview',
    operation: 'recurrence_preview',
    mutates: false,
    async handle({ body }) {
      const input = parseOrThrow(previewSchema, body);
      const occurrences = schedule({
        rule: input.rule,
        dtstart: new Date(input.dtstart),
        timezone: input.timezone,
      })
        .first(input.count)
        .map((date) => date.toISOString());
      return { status: 200, json: { occurrences } };
    },
  },
];
