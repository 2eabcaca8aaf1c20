import {
  completeTask,
  createTask,
  deleteTask,
  instantSchema,
  reopenTask,
  skipOccurrence,
  timezoneSchema,
  updateTask,
  validationFailed,
} from '@nudge/core';
import { z } from 'zod';
import { resolveTask, taskReference } from '../task-reference.ts';
import { defineTool } from '../tool.ts';
import { createTaskInput, patchTaskInput, taskLine, taskResult } from './fields.ts';

const destructive = { destructiveHint: true, idempotentHint: false, openWorldHint: false } as const;
const idempotent = { destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export const addTask = defineTool({
  name: 'add_task',
  title: 'Add a task',
  description:
    "Create a task from structured fields (title, due date, priority, tags, recurrence, reminders). Prefer quick_add when you only have the user's own words.",
  input: createTaskInput,
  output: taskResult,
  mutates: true,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { deps, user }, now) {
    const task = await createTask(deps.db, user.sub, args, now);
    return { result: { task }, summary: `Created ${taskLine(task)}` };
  },
});

export const updateTaskTool = defineTool({
  name: 'update_task',
  title: 'Update a task',
  description:
    'Change any fields of a task: title, description, priority, tags, due date, time zone, recurrence or reminders. Only the fields you pass change; tags and reminders replace the whole list. To move a due date prefer reschedule_task.',
  input: patchTaskInput.extend({ task: taskReference }),
  output: taskResult,
  mutates: true,
  annotations: { ...idempotent },
  async run({ task: reference, ...patch }, { deps, user }, now) {
    if (Object.keys(patch).length === 0)
      throw validationFailed('(root)', 'pass at least one field to change besides task');
    const { id } = await resolveTask(deps.db, user.sub, reference);
    const task = await updateTask(deps.db, user.sub, id, patch, now);
    return { result: { task }, summary: `Updated ${taskLine(task)}` };
  },
});

export const rescheduleTask = defineTool({
  name: 'reschedule_task',
  title: 'Reschedule a task',
  description:
    'Move a task to a new due date (its relative reminders move with it), or for a recurring task pass skip: true to skip this occurrence: the task moves to where completing it now would put the next occurrence, without completing it. Give exactly one of due_at or skip.',
  input: z.strictObject({
    task: taskReference,
    due_at: instantSchema
      .optional()
      .describe('The new due time, RFC 3339 with an offset, e.g. "2026-11-30T09:00:00+01:00".'),
    timezone: timezoneSchema.optional().describe('IANA time zone for the new due time, if it changes.'),
    skip: z
      .boolean()
      .optional()
      .describe('true: skip to the next occurrence of a recurring task instead of giving due_at.'),
  }),
  output: taskResult,
  mutates: true,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run({ task: reference, due_at, timezone, skip }, { deps, user }, now) {
    if ((due_at === undefined) === (skip !== true))
      throw validationFailed('due_at', 'give exactly one of due_at or skip: true');
    const { id } = await resolveTask(deps.db, user.sub, reference);
    if (skip) {
      const task = await skipOccurrence(deps.db, user.sub, id, now);
      return { result: { task }, summary: `Skipped to the next occurrence: ${taskLine(task)}` };
    }
    const task = await updateTask(deps.db, user.sub, id, timezone ? { due_at, timezone } : { due_at }, now);
    return { result: { task }, summary: `Rescheduled ${taskLine(task)}` };
  },
});

export const completeTaskTool = defineTool({
  name: 'complete_task',
  title: 'Complete a task',
  description:
    'Mark a task done. Its pending reminders are cancelled; a recurring task gets its next occurrence created as a new task moments later. Completing a completed task changes nothing.',
  input: z.strictObject({ task: taskReference }),
  output: taskResult,
  mutates: true,
  annotations: { ...idempotent },
  async run({ task: reference }, { deps, user }, now) {
    const before = await resolveTask(deps.db, user.sub, reference);
    const task = await completeTask(deps.db, user.sub, before.id, now);
    const already = before.status === 'completed' ? ' (it was already completed)' : '';
    const next = task.recurrence && !already ? ' Its next occurrence is being created.' : '';
    return { result: { task }, summary: `Completed ${taskLine(task)}${already}.${next}` };
  },
});

export const reopenTaskTool = defineTool({
  name: 'reopen_task',
  title: 'Reopen a task',
  description:
    'Mark a completed task as open again; its reminders that are still ahead come back. A title fragment is looked up among completed tasks first.',
  input: z.strictObject({ task: taskReference }),
  output: taskResult,
  mutates: true,
  annotations: { ...idempotent },
  async run({ task: reference }, { deps, user }, now) {
    const { id } = await resolveTask(deps.db, user.sub, reference, 'completed');
    const task = await reopenTask(deps.db, user.sub, id, now);
    return { result: { task }, summary: `Reopened ${taskLine(task)}` };
  },
});

export const deleteTaskTool = defineTool({
  name: 'delete_task',
  title: 'Delete a task',
  description:
    'Delete a task and its reminders for good. Ask the user first unless they clearly asked for it. To stop a recurring task from repeating, prefer update_task with recurrence: null.',
  input: z.strictObject({ task: taskReference }),
  output: z.object({ deleted: z.object({ id: z.uuid(), title: z.string() }) }),
  mutates: true,
  annotations: { ...destructive },
  async run({ task: reference }, { deps, user }, now) {
    const task = await resolveTask(deps.db, user.sub, reference);
    await deleteTask(deps.db, user.sub, task.id, now);
    return {
      result: { deleted: { id: task.id, title: task.title } },
      summary: `Deleted "${task.title}" (id ${task.id}).`,
    };
  },
});
