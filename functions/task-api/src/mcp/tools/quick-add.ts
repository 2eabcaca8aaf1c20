import {
  createTask,
  createTaskSchema,
  parseOrThrow,
  parseQuickAdd,
  quickAddTextSchema,
  quickAddTokenKindSchema,
  timezoneSchema,
} from '@nudge/core';
import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { taskLine, taskResult } from './fields.ts';

export const quickAdd = defineTool({
  name: 'quick_add',
  title: 'Quick add a task from a sentence',
  description:
    'Create a task from the user\'s own words, exactly as Nudge\'s quick-add box reads them: dates and times ("friday 5pm", "tomorrow", "in 3 days"), repetition ("every monday", "daily"), reminders ("remind me 1 day before"), priority (p1–p4) and #tags are recognised; the rest becomes the title. Text in double quotes is kept literally. Pass the user\'s time zone so "friday 5pm" means their Friday.',
  input: z.strictObject({
    text: quickAddTextSchema.describe(
      'The task as the user said it, e.g. "Submit report friday 5pm remind me 1 day before #work p2".',
    ),
    timezone: timezoneSchema
      .default('UTC')
      .describe('The user\'s IANA time zone, e.g. "Europe/Berlin" (default UTC).'),
  }),
  output: taskResult.extend({
    recognized: z.array(
      z.object({
        kind: quickAddTokenKindSchema,
        value: z.string(),
        text: z.string(),
      }),
    ),
  }),
  mutates: true,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run({ text, timezone }, { deps, user }, now) {
    // Parse, then create through the same schema and service as POST /api/tasks (and /api/tasks/quick).
    const { draft, tokens } = parseQuickAdd(text, { timezone, now });
    const task = await createTask(deps.db, user.sub, parseOrThrow(createTaskSchema, draft), now);
    const recognized = tokens.map((token) => ({
      kind: token.kind,
      value: token.value,
      text: text.slice(token.start, token.end),
    }));
    const understood =
      recognized.length > 0
        ? `\nRecognised: ${recognized.map((r) => `${r.kind} ${r.value}`).join(', ')}`
        : '';
    return { result: { task, recognized }, summary: `Created ${taskLine(task)}${understood}` };
  },
});
