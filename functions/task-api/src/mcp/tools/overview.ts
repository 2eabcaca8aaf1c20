import {
  type Db,
  formatInZone,
  listQuerySchema,
  listTasks,
  parseOrThrow,
  schedule,
  type TaskView,
  taskViewSchema,
  timezoneSchema,
} from '@nudge/core';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { taskLine } from './fields.ts';

/** Enough for any real agenda; beyond it the answer says it was cut. */
const maxTasks = 1_000;
/** Per recurring task: a daily one shows each of its days in the window, no more. */
const maxProjectedPerTask = 8;

const projectedSchema = z.object({
  task_id: z.uuid(),
  title: z.string(),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  due_at: z.iso.datetime({ offset: true }),
});
type Projected = z.output<typeof projectedSchema>;

/** The user's open tasks due before `end`, in due order, page by page up to maxTasks. */
async function openTasksDueBefore(db: Db, userId: string, end: Date) {
  const tasks: TaskView[] = [];
  let cursor: string | undefined;
  do {
    const page = await listTasks(
      db,
      userId,
      parseOrThrow(listQuerySchema, { status: 'open', due_before: end.toISOString(), limit: 200, cursor }),
    );
    tasks.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && tasks.length < maxTasks);
  return { tasks, truncated: cursor !== undefined };
}

/**
 * The occurrences of a recurring task after its open one, from now until `end`, assuming each is
 * done on time: the rule is evaluated from the open task's due date in the task's own zone.
 */
function projectedOccurrences(task: TaskView, now: Date, end: Date): Projected[] {
  if (!task.recurrence || !task.due_at) return [];
  const dueAt = new Date(task.due_at);
  const series = schedule({ rule: task.recurrence.rule, dtstart: dueAt, timezone: task.timezone });
  const found: Projected[] = [];
  let cursor = new Date(Math.max(dueAt.getTime(), now.getTime() - 1));
  while (found.length < maxProjectedPerTask) {
    const next = series.after(cursor);
    if (!next || next >= end) break;
    found.push({ task_id: task.id, title: task.title, priority: task.priority, due_at: next.toISOString() });
    cursor = next;
  }
  return found;
}

const section = (name: string, lines: string[]) =>
  lines.length === 0
    ? []
    : [
        `${name}:`,
        ...lines.slice(0, 15).map((l) => `- ${l}`),
        ...(lines.length > 15 ? [`- …${lines.length - 15} more`] : []),
      ];

export const getOverview = defineTool({
  name: 'get_overview',
  title: 'Overview of what is due',
  description:
    'What needs attention: open tasks that are overdue, due today, and due in the 7 days after today (in the given time zone), plus the upcoming occurrences of recurring tasks in that window, with counts. Use it for "what\'s on my plate?".',
  input: z.strictObject({
    timezone: timezoneSchema
      .default('UTC')
      .describe(
        'IANA time zone that decides where "today" starts and ends, e.g. "America/New_York" (default UTC).',
      ),
  }),
  output: z.object({
    timezone: z.string(),
    now: z.iso.datetime({ offset: true }),
    counts: z.object({
      overdue: z.number().int(),
      today: z.number().int(),
      next_7_days: z.number().int(),
      projected: z.number().int(),
    }),
    overdue: z.array(taskViewSchema),
    today: z.array(taskViewSchema),
    next_7_days: z.array(taskViewSchema),
    projected: z.array(projectedSchema),
    truncated: z.boolean(),
  }),
  mutates: false,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ timezone }, { deps, user }, now) {
    const endOfTodayLocal = DateTime.fromJSDate(now, { zone: timezone }).startOf('day').plus({ days: 1 });
    const endOfToday = endOfTodayLocal.toJSDate();
    const end = endOfTodayLocal.plus({ days: 7 }).toJSDate();
    const { tasks, truncated } = await openTasksDueBefore(deps.db, user.sub, end);
    const due = (task: TaskView) => new Date(task.due_at!).getTime();
    const overdue = tasks.filter((task) => due(task) < now.getTime());
    const today = tasks.filter((task) => due(task) >= now.getTime() && due(task) < endOfToday.getTime());
    const next7 = tasks.filter((task) => due(task) >= endOfToday.getTime());
    const projected = tasks
      .flatMap((task) => projectedOccurrences(task, now, end))
      .sort((a, b) => a.due_at.localeCompare(b.due_at));
    const counts = {
      overdue: overdue.length,
      today: today.length,
      next_7_days: next7.length,
      projected: projected.length,
    };
    const summary = [
      `${counts.overdue} overdue, ${counts.today} due today, ${counts.next_7_days} in the next 7 days, ${counts.projected} upcoming occurrence(s) of recurring tasks (${timezone}).${truncated ? ' Only the first 1000 tasks were read.' : ''}`,
      ...section('Overdue', overdue.map(taskLine)),
      ...section('Today', today.map(taskLine)),
      ...section('Next 7 days', next7.map(taskLine)),
      ...section(
        'Upcoming occurrences',
        projected.map(
          (p) =>
            `"${p.title}" on ${formatInZone(new Date(p.due_at), timezone)} (an occurrence of task ${p.task_id})`,
        ),
      ),
    ].join('\n');
    return {
      result: {
        timezone,
        now: now.toISOString(),
        counts,
        overdue,
        today,
        next_7_days: next7,
        projected,
        truncated,
      },
      summary,
    };
  },
});
