import {
  AppError,
  type Db,
  getTask,
  listQuerySchema,
  listTasks,
  parseOrThrow,
  type TaskView,
} from '@nudge/core';
import { z } from 'zod';

/** The `task` argument of every tool that acts on one task. */
export const taskReference = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe(
    'The task: its id (UUID, from find_tasks or an earlier result), or a part of its title that matches only one task (case-insensitive), e.g. "dentist".',
  );

const idPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const describeCandidate = (task: TaskView) =>
  `- ${task.id} "${task.title}" (${task.status}, ${task.due_at ? `due ${task.due_at}` : 'no due date'})`;

async function titleMatches(db: Db, userId: string, fragment: string, status: 'open' | 'completed') {
  const page = await listTasks(
    db,
    userId,
    parseOrThrow(listQuerySchema, { status, q: fragment, sort: 'due_at', limit: 200 }),
  );
  const needle = fragment.toLowerCase();
  // listTasks searches title and description; a reference names the title.
  return page.items.filter((task) => task.title.toLowerCase().includes(needle));
}

/**
 * Finds the caller's task by id or by title fragment. A fragment is looked up among the
 * `prefer`red status first (open, except for reopening), then the other. One match wins; among
 * several, a single exact title wins; otherwise the error lists the candidates so the model can
 * call again with an id. Only the caller's tasks are ever searched.
 */
export async function resolveTask(
  db: Db,
  userId: string,
  reference: string,
  prefer: 'open' | 'completed' = 'open',
): Promise<TaskView> {
  if (idPattern.test(reference)) return getTask(db, userId, reference);
  const order: ('open' | 'completed')[] = prefer === 'open' ? ['open', 'completed'] : ['completed', 'open'];
  for (const status of order) {
    const matches = await titleMatches(db, userId, reference, status);
    if (matches.length === 1) return matches[0]!;
    const exact = matches.filter((task) => task.title.toLowerCase() === reference.toLowerCase());
    if (exact.length === 1) return exact[0]!;
    if (matches.length > 1) {
      const shown = matches.slice(0, 10).map(describeCandidate).join('\n');
      const more = matches.length > 10 ? `\n…and ${matches.length - 10} more` : '';
      throw new AppError(
        'conflict',
        `"${reference}" matches ${matches.length} ${status} tasks; call again with one of these ids:\n${shown}${more}`,
      );
    }
  }
  throw new AppError('not_found', `no task matches "${reference}"`);
}
