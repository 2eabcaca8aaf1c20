import pg from 'pg';
const c = new pg.Client('postgres://postgres@127.0.0.1:5499/postgres'); await c.connect();
if (process.argv[2] === 'reset') { await c.query('create extension if not exists pg_stat_statements'); await c.query('select pg_stat_statements_reset()'); }
else {
  const { rows } = await c.query(`select calls, round(total_exec_time::numeric,0) ms, round(total_plan_time::numeric,0) plan_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) q from pg_stat_statements order by total_exec_time desc limit ${process.argv[3] ?? 30}`);
  console.table(rows);
  const t = await c.query(`select sum(calls) calls, round(sum(total_exec_time)::numeric) ms from pg_stat_statements`); console.log(t.rows);
}
await c.end();
