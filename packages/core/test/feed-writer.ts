// A writer process for change-feed.test.ts: random multi-statement transactions on one user's
// tasks, some held open before commit so commits land out of start order. Every update bumps
// the task's description (a version number), so the test can tell each change apart.
import pg from 'pg';

const [databaseUrl, userId, idList, rounds] = process.argv.slice(2) as [string, string, string, string];
const ids = idList.split(',');
const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
for (let round = 0; round < Number(rounds); round += 1) {
  await client.query('begin');
  try {
    for (const id of new Set([pick(), pick()])) {
      await client.query(
        `update tasks set description = (coalesce(description, '0')::int + 1)::text where id = $1 and user_id = $2`,
        [id, userId],
      );
    }
    if (Math.random() < 0.3) {
      await client.query(
        `insert into reminders (task_id, user_id, remind_at) select id, user_id, now() + interval '1 day' from tasks where id = $1`,
        [pick()],
      );
    }
    if (Math.random() < 0.3) await pause(Math.random() * 30);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    // Two writers locking the same two tasks in opposite order: PostgreSQL aborts one; it simply goes on.
    if ((error as { code?: string }).code !== '40P01') throw error;
  }
}
await client.end();
