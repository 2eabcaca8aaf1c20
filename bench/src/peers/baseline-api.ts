/**
 * The baseline of benchmark 1: a bare functions-framework handler that runs the same SQL as
 * task-api for the three benchmarked routes, with no auth, validation, view mapping, metrics or
 * logging. task-api's figures divided by these are the cost of Nudge's own layers.
 * Start: functions-framework --target=baseline --source=bench/src/peers/baseline-api.ts
 */
import { randomUUID } from 'node:crypto';
import { http } from '@google-cloud/functions-framework';
import { buildEvent, createConfigLoader, env, sources } from '@nudge/core';
import pg from 'pg';
import { z } from 'zod';

const config = createConfigLoader(z.object({ DATABASE_URL: env.databaseUrl, BENCH_USER: z.string() }))();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
const user = config.BENCH_USER;

const remindersOf = (ids: string[]) =>
  pool.query('select * from reminders where task_id = any($1::uuid[]) order by remind_at, id', [ids]);

http('baseline', async (req, res) => {
  const path = req.path;
  if (req.method === 'GET' && path.startsWith('/api/tasks/')) {
    const { rows } = await pool.query('select * from tasks where id = $1 and user_id = $2', [
      path.slice('/api/tasks/'.length),
      user,
    ]);
    const reminders = await remindersOf(rows.map((row) => row.id));
    res.json({ ...rows[0], reminders: reminders.rows });
    return;
  }
  if (req.method === 'GET' && path === '/api/tasks') {
    const { rows } = await pool.query(
      `select *, due_at::text as cursor_value from tasks
        where user_id = $1 and status = 'open' and tags @> $2::text[]
        order by due_at asc nulls last, id asc limit 51`,
      [user, [String(req.query.tag)]],
    );
    const reminders = await remindersOf(rows.slice(0, 50).map((row) => row.id));
    res.json({ items: rows.slice(0, 50), reminders: reminders.rows });
    return;
  }
  if (req.method === 'POST' && path === '/api/tasks') {
    const body = req.body as { title: string; priority: string; tags: string[]; due_at: string };
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query(
        `insert into tasks (id, user_id, title, priority, tags, due_at, timezone)
         values ($1, $2, $3, $4, $5, $6, 'UTC') returning *`,
        [randomUUID(), user, body.title, body.priority, body.tags, body.due_at],
      );
      const task = rows[0];
      const { topic, event } = buildEvent({
        type: 'task.created',
        source: sources.taskApi,
        userId: user,
        subject: task.id,
        payload: { task_id: task.id, title: task.title },
        time: new Date(),
      });
      await client.query(
        `insert into outbox (event_id, user_id, topic, event_type, cloud_event) values ($1, $2, $3, $4, $5)`,
        [event.id, user, topic, event.type, JSON.stringify(event)],
      );
      await client.query('commit');
      res.status(201).json(task);
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
    return;
  }
  res.status(404).end();
});
