import {
  formatInZone,
  instantSchema,
  listQuerySchema,
  listTasks,
  parseOrThrow,
  ruleSchema,
  schedule,
  taskViewSchema,
  timezoneSchema,
} from '@nudge/core';
import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { taskLine } from './fields.ts';

const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

export const findTasks = defineTool({
  name: 'find_tasks',
  title: 'Find tasks',
  description:
    "Search the user's tasks by text (in title and description), tags, priority, status and due range. Answers tasks with their ids, sorted by due date (undated last) unless sort says otherwise; pass next_cursor back as cursor for more.",
  input: z.strictObject({
    text: z.string().min(1).max(200).optional().describe('Words to look for in the title or description.'),
    tags: z
      .array(z.string().min(1).max(50))
      .max(20)
      .optional()
      .describe('Only tasks carrying all these tags (no "#").'),
    priority: z
      .array(z.enum(['low', 'medium', 'high', 'urgent']))
      .optional()
      .describe('Only tasks with one of these priorities.'),
    status: z
      .enum(['open', 'completed', 'all'])
      .default('open')
      .describe('open (default), completed or all.'),
    due_after: instantSchema.optional().describe('Only tasks due after this RFC 3339 instant.'),
    due_before: instantSchema.optional().describe('Only tasks due before this RFC 3339 instant.'),
    sort: z.enum(['due_at', 'priority', 'created_at', 'updated_at', 'title']).default('due_at'),
    limit: z.number().int().min(1).max(200).default(20).describe('At most this many tasks (default 20).'),
    cursor: z
      .string()
      .max(1_000)
      .optional()
      .describe('next_cursor from a previous find_tasks call with the same filters.'),
  }),
  output: z.object({ tasks: z.array(taskViewSchema), next_cursor: z.string().nullable() }),
  mutates: false,
  annotations: readOnly,
  async run(args, { deps, user }) {
    // Translated into the REST list query, so the same validation and the same SQL serve both.
    const query = parseOrThrow(listQuerySchema, {
      status: args.status,
      priority: args.priority,
      tag: args.tags,
      q: args.text,
      due_after: args.due_after,
      due_before: args.due_before,
      sort: args.sort,
      limit: args.limit,
      cursor: args.cursor,
    });
    const { items, next_cursor } = await listTasks(deps.db, user.sub, query);
    const more = next_cursor ? '\nMore match: call again with cursor = next_cursor.' : '';
    const summary =
      items.length === 0
        ? 'No tasks match.'
        : `${items.length} task(s):\n${items.map((task) => `- ${taskLine(task)}`).join('\n')}${more}`;
    return { result: { tasks: items, next_cursor }, summary };
  },
});

export const previewRecurrence = defineTool({
  name: 'preview_recurrence',
  title: 'Preview a recurrence rule',
  description:
    'Show the next due dates a recurrence rule would produce from a first due date, in a time zone. Use it to check a rule before adding or changing a recurring task. Writes nothing.',
  input: z.strictObject({
    rule: ruleSchema.describe('RRULE or shorthand: "daily", "weekly", "RRULE:FREQ=MONTHLY;BYDAY=1MO".'),
    due_at: instantSchema.describe(
      'The first due date (RFC 3339 with offset); its local time of day repeats.',
    ),
    timezone: timezoneSchema
      .default('UTC')
      .describe('IANA time zone the rule is evaluated in (default UTC).'),
    count: z.number().int().min(1).max(100).default(5).describe('How many occurrences to show (default 5).'),
  }),
  output: z.object({ rule: z.string(), timezone: z.string(), occurrences: z.array(z.string()) }),
  mutates: false,
  annotations: readOnly,
  async run({ rule, due_at, timezone, count }) {
    const dates = schedule({ rule, dtstart: new Date(due_at), timezone }).first(count);
    const occurrences = dates.map((date) => date.toISOString());
    const summary = `${rule} in ${timezone}: ${occurrences.length === 0 ? 'no occurrences' : dates.map((d) => formatInZone(d, timezone)).join('; ')}`;
    return { result: { rule, timezone, occurrences }, summary };
  },
});
