import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db, NewReminderRow, NewTaskRow, TaskRow } from '../db/database.ts';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { AppError } from '../errors/app-error.ts';
import { reminderScheduledEvent } from '../events/contracts/reminder.scheduled.ts';
import { taskCreatedEvent } from '../events/contracts/task.created.ts';
import { sources } from '../events/event-types.ts';
import { enqueueEvents } from '../outbox/enqueue.ts';
import { instantSchema, isoDurationSchema } from '../reminder/input.ts';
import { insertReminderRows } from '../reminder/repository.ts';
import { reminderStatusSchema } from '../reminder/status.ts';
import {
  descriptionSchema,
  recurrenceInputSchema,
  tagsSchema,
  timezoneSchema,
  titleSchema,
} from './input.ts';
import { taskViews } from './repository.ts';
import { prioritySchema, taskStatusSchema } from './values.ts';
import { taskViewSchema } from './view.ts';

/** Where a task stands in its recurring series; exported so a round trip keeps the series' anchor. */
const seriesSchema = z.object({
  id: z.uuid(),
  anchor_at: instantSchema.nullable(),
  index: z.number().int().min(1),
});

export const exportedTaskSchema = taskViewSchema.extend({ series: seriesSchema.nullable() });

/** `GET /api/tasks/export?format=json`. */
export const exportDocumentSchema = z.object({
  version: z.literal(1),
  exported_at: z.iso.datetime({ offset: true }),
  tasks: z.array(exportedTaskSchema),
});
export type ExportDocument = z.infer<typeof exportDocumentSchema>;
export type ExportedTask = z.infer<typeof exportedTaskSchema>;

const importedReminderSchema = z.object({
  id: z.uuid(),
  before: isoDurationSchema.nullable(),
  remind_at: instantSchema,
  status: reminderStatusSchema,
  sent_at: instantSchema.nullable(),
});

const importedTaskSchema = z
  .object({
    id: z.uuid(),
    title: titleSchema,
    description: descriptionSchema.nullable().default(null),
    priority: prioritySchema.default('medium'),
    tags: tagsSchema.default([]),
    status: taskStatusSchema.default('open'),
    completed_at: instantSchema.nullable().default(null),
    due_at: instantSchema.nullable().default(null),
    timezone: timezoneSchema.default('UTC'),
    recurrence: recurrenceInputSchema.nullable().default(null),
    parent_task_id: z.uuid().nullable().default(null),
    reminders: z.array(importedReminderSchema).max(10).default([]),
    created_at: instantSchema,
    updated_at: instantSchema,
    series: seriesSchema.nullable().optional(),
  })
  .superRefine((task, ctx) => {
    if (task.recurrence && !task.due_at)
      ctx.addIssue({ code: 'custom', path: ['due_at'], message: 'a recurring task needs due_at' });
    if ((task.status === 'completed') !== (task.completed_at !== null))
      ctx.addIssue({
        code: 'custom',
        path: ['completed_at'],
        message: 'is set exactly when status is completed',
      });
  });

/** `POST /api/tasks/import` body: a JSON export (version 1). */
export const importDocumentSchema = z
  .object({
    version: z.literal(1),
    exported_at: instantSchema.optional(),
    tasks: z.array(importedTaskSchema).max(10_000),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.tasks.forEach((task, index) => {
      if (seen.has(task.id))
        ctx.addIssue({ code: 'custom', path: ['tasks', index, 'id'], message: 'appears twice' });
      seen.add(task.id);
    });
  });
export type ImportDocument = z.output<typeof importDocumentSchema>;

/** Every task of the user (open and completed), oldest first, with what a lossless re-import needs. */
export async function exportTasks(db: Db, userId: string, now: Date): Promise<ExportDocument> {
  const rows = await db
    .selectFrom('tasks')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const views = await taskViews(db, rows);
  return {
    version: 1,
    exported_at: now.toISOString(),
    tasks: rows.map((row, index) => ({ ...views[index]!, series: seriesOf(row) })),
  };
}

function seriesOf(row: TaskRow): ExportedTask['series'] {
  return row.series_id
    ? { id: row.series_id, anchor_at: row.series_anchor_at?.toISOString() ?? null, index: row.series_index }
    : null;
}

// Keeps each multi-row insert well under PostgreSQL's 65,535 bind parameters.
const chunk = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * Imports an export in one transaction. A task the user already has (same id, or imported before
 * from that id) is skipped, so importing a file twice creates nothing the second time. A task whose
 * id belongs to another user gets a new id and remembers the original in `import_source_id`: the
 * other user's rows are never read beyond that id check, nor touched. Returns how many tasks were created.
 */
export async function importTasks(db: Db, userId: string, doc: ImportDocument, now: Date): Promise<number> {
  if (doc.tasks.length === 0) return 0;
  try {
    return await db.transaction().execute(async (trx) => {
      const ids = doc.tasks.map((task) => task.id);
      const mine = await trx
        .selectFrom('tasks')
        .select(['id', 'import_source_id'])
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('id', 'in', ids), eb('import_source_id', 'in', ids)]))
        .execute();
      // The user's own task for each id of the file: itself, or the task imported from it.
      const existing = new Map<string, string>();
      for (const row of mine) {
        existing.set(row.id, row.id);
        if (row.import_source_id) existing.set(row.import_source_id, row.id);
      }
      const fresh = doc.tasks.filter((task) => !existing.has(task.id));
      if (fresh.length === 0) return 0;
      const taken = new Set(
        (
          await trx
            .selectFrom('tasks')
            .select('id')
            .where(
              'id',
              'in',
              fresh.map((t) => t.id),
            )
            .execute()
        ).map((row) => row.id),
      );
      const newId = new Map(fresh.map((task) => [task.id, taken.has(task.id) ? randomUUID() : task.id]));
      const reminderIds = fresh.flatMap((task) => task.reminders.map((r) => r.id));
      const takenReminders = new Set(
        reminderIds.length === 0
          ? []
          : (await trx.selectFrom('reminders').select('id').where('id', 'in', reminderIds).execute()).map(
              (row) => row.id,
            ),
      );

      // A parent must be one of this user's tasks; at most one task may follow a given parent.
      const resolveParent = (parent: string | null) =>
        parent ? (newId.get(parent) ?? existing.get(parent)) : null;
      const parents = fresh.map((task) => resolveParent(task.parent_task_id)).filter((p): p is string => !!p);
      const followed = new Set(
        parents.length === 0
          ? []
          : (
              await trx
                .selectFrom('tasks')
                .select('parent_task_id')
                .where('parent_task_id', 'in', parents)
                .execute()
            ).map((row) => row.parent_task_id),
      );

      const taskRows: NewTaskRow[] = [];
      const reminderRows: NewReminderRow[] = [];
      for (const task of fresh) {
        const id = newId.get(task.id)!;
        let parent = resolveParent(task.parent_task_id) ?? null;
        if (parent && followed.has(parent)) parent = null;
        if (parent) followed.add(parent);
        const series =
          task.series ?? (task.recurrence ? { id: task.id, anchor_at: task.due_at, index: 1 } : null);
        taskRows.push({
          id,
          user_id: userId,
          title: task.title,
          description: task.description,
          priority: task.priority,
          tags: task.tags,
          status: task.status,
          completed_at: task.completed_at,
          due_at: task.due_at,
          timezone: task.timezone,
          recurrence_rule: task.recurrence?.rule ?? null,
          recurrence_from: task.recurrence?.from ?? null,
          series_id: series ? (newId.get(series.id) ?? (id === task.id ? series.id : id)) : null,
          series_anchor_at: series?.anchor_at ?? null,
          series_index: series?.index ?? 1,
          parent_task_id: parent,
          import_source_id: id === task.id ? null : task.id,
          created_at: task.created_at,
          updated_at: task.updated_at,
        });
        for (const reminder of task.reminders) {
          reminderRows.push({
            id: id === task.id && !takenReminders.has(reminder.id) ? reminder.id : randomUUID(),
            task_id: id,
            user_id: userId,
            before: reminder.before,
            remind_at: reminder.remind_at,
            // A reminder still pending in the file but already past would fire at once: skip it, as on create.
            status:
              reminder.status === 'pending' && new Date(reminder.remind_at).getTime() <= now.getTime()
                ? 'skipped'
                : reminder.status,
            sent_at: reminder.sent_at,
            created_at: now,
            updated_at: now,
          });
        }
      }
      const inserted: TaskRow[] = [];
      for (const rows of chunk(taskRows, 500)) {
        inserted.push(...(await trx.insertInto('tasks').values(rows).returningAll().execute()));
      }
      const reminders = [];
      for (const rows of chunk(reminderRows, 1_000)) reminders.push(...(await insertReminderRows(trx, rows)));
      await enqueueEvents(trx, [
        ...inserted.map((row) => taskCreatedEvent(row, sources.taskApi, now)),
        ...reminders
          .filter((r) => r.status === 'pending')
          .map((r) => reminderScheduledEvent(r, sources.taskApi, now)),
      ]);
      return inserted.length;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('conflict', 'another import of these tasks ran at the same time; retry', {
        cause: error,
      });
    throw error;
  }
}
