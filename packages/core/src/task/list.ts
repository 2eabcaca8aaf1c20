import { type Expression, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { isDataException } from '../db/pg-errors.ts';
import { validationFailed } from '../errors/app-error.ts';
import { instantSchema } from '../reminder/input.ts';
import { storableText } from './input.ts';
import { taskViews } from './repository.ts';
import { prioritySchema, taskStatuses } from './values.ts';
import type { TaskView } from './view.ts';

/** A query parameter that may repeat (`?tag=a&tag=b`) arrives as a string or an array. */
const repeated = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(item));

const sortKeys = ['due_at', 'priority', 'created_at', 'updated_at', 'title'] as const;
type SortKey = (typeof sortKeys)[number];

/** `GET /api/tasks` query. Unknown parameters are rejected so a typo (`tags=`) is not silently ignored. */
export const listQuerySchema = z.strictObject({
  status: z.enum([...taskStatuses, 'all']).default('open'),
  priority: repeated(prioritySchema),
  tag: repeated(storableText().min(1).max(50)).pipe(z.array(z.string()).max(20)),
  q: storableText().min(1).max(200).optional(),
  due_before: instantSchema.optional(),
  due_after: instantSchema.optional(),
  sort: z.enum(sortKeys).default('due_at'),
  /** Defaults to asc for due_at and title, desc (newest, most urgent first) for the others. */
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1_000).optional(),
});
export type ListQuery = z.output<typeof listQuerySchema>;

const columns = {
  due_at: { column: 'due_at', type: sql`timestamptz` },
  priority: { column: 'priority_rank', type: sql`smallint` },
  created_at: { column: 'created_at', type: sql`timestamptz` },
  updated_at: { column: 'updated_at', type: sql`timestamptz` },
  title: { column: 'title', type: sql`text` },
} as const;

/** Position after the last row of a page. `value` is the sort key as PostgreSQL prints it, so no precision is lost. */
interface Cursor {
  sort: SortKey;
  order: 'asc' | 'desc';
  value: string | null;
  id: string;
}

const cursorSchema = z.object({
  sort: z.enum(sortKeys),
  order: z.enum(['asc', 'desc']),
  value: z.string().nullable(),
  id: z.uuid(),
});

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string, sort: SortKey, order: 'asc' | 'desc'): Cursor {
  let cursor: Cursor;
  try {
    cursor = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw validationFailed('cursor', 'is not a cursor this API issued');
  }
  if (cursor.sort !== sort || cursor.order !== order)
    throw validationFailed('cursor', 'was issued for another sort or order; start again without it');
  return cursor;
}

/** `%` and `_` in the search text are literal, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of the user's tasks. Keyset pagination on (sort key, id): a page starts strictly after
 * the previous page's last row, so rows inserted meanwhile never shift a page (no gap, no repeat).
 * Tasks without a due date come last for `sort=due_at` in both orders.
 */
export async function listTasks(
  db: Db,
  userId: string,
  query: ListQuery,
): Promise<{ items: TaskView[]; next_cursor: string | null }> {
  const order = query.order ?? (query.sort === 'due_at' || query.sort === 'title' ? 'asc' : 'desc');
  const { column, type } = columns[query.sort];
  const key = sql.ref(column);
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort, order) : null;
  const after = sql.raw(order === 'asc' ? '>' : '<');

  let select = db
    .selectFrom('tasks')
    .selectAll()
    .select(sql<string | null>`${key}::text`.as('cursor_value'))
    .where('user_id', '=', userId);
  if (query.status !== 'all') select = select.where('status', '=', query.status);
  if (query.priority.length > 0) select = select.where('priority', 'in', query.priority);
  if (query.tag.length > 0) select = select.where(sql<SqlBool>`tags @> ${query.tag}::text[]`);
  if (query.q) {
    // Same expression as the trigram index tasks_search_idx, so the index serves the search.
    select = select.where(
      sql<SqlBool>`(title || ' ' || coalesce(description, '')) ilike ${likePattern(query.q)}`,
    );
  }
  if (query.due_before) select = select.where('due_at', '<', new Date(query.due_before));
  if (query.due_after) select = select.where('due_at', '>', new Date(query.due_after));
  if (cursor) {
    let condition: Expression<SqlBool>;
    if (cursor.value === null) {
      condition = sql<SqlBool>`${key} is null and id ${after} ${cursor.id}::uuid`;
    } else {
      const past = sql<SqlBool>`(${key}, id) ${after} (cast(${cursor.value} as ${type}), ${cursor.id}::uuid)`;
      condition = query.sort === 'due_at' ? sql<SqlBool>`(${past} or ${key} is null)` : past;
    }
    select = select.where(condition);
  }
  const direction = sql.raw(order);
  const rows = await select
    .orderBy(sql`${key} ${direction} nulls last`)
    .orderBy(sql`id ${direction}`)
    .limit(query.limit + 1)
    .execute()
    .catch((error: unknown) => {
      // The cursor's value is cast by PostgreSQL: a forged one fails there (SQLSTATE class 22), not with a 500.
      if (cursor && isDataException(error))
        throw validationFailed('cursor', 'is not a cursor this API issued');
      throw error;
    });

  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const next_cursor =
    rows.length > query.limit && last
      ? encodeCursor({ sort: query.sort, order, value: last.cursor_value, id: last.id })
      : null;
  return { items: await taskViews(db, page), next_cursor };
}
