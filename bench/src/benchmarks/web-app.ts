// The web app (issue 12): first load to interactive on the local stack, first-load JavaScript,
// and a list of 2,000 tasks — in Debian's Chromium, against `npm start` as a user runs it.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDb } from '@nudge/core';
import { repoRoot } from '@nudge/testing';
import { launchChromium, startNpmStart } from '@nudge/testing/browser';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import type { Benchmark, Row } from '../harness/benchmark.ts';
import { median, round } from '../harness/stats.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const distDir = join(repoRoot, 'web', 'dist');
const budgetKiB = 150;
const bigList = 2_000;
const secret = 'bench-secret-bench-secret-bench-secret!';
/** The app's User Timing mark: its first list committed to the DOM (web/src/components/App.tsx). */
const firstListMark = 'nudge:first-list';

/**
 * What the browser must fetch before the app runs: index.html's module script and the
 * modulepreload links (Vite's static imports), gzipped as a server would send them. Lazy chunks
 * (the task panel, the OIDC client) are not on that path.
 */
async function firstLoadJs(): Promise<{ files: string[]; raw: number; gzip: number; allGzip: number }> {
  const html = await readFile(join(distDir, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((match) => match[1]!);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = await readFile(join(distDir, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  let allGzip = 0;
  for (const name of await readdir(join(distDir, 'assets'))) {
    if (name.endsWith('.js'))
      allGzip += gzipSync(await readFile(join(distDir, 'assets', name)), { level: 9 }).length;
  }
  return { files, raw, gzip, allGzip };
}

const token = (sub: string) =>
  new SignJWT({ email: `${sub}@bench.example` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

export const webApp: Benchmark = {
  name: 'web-app',
  title:
    '11. Web app: first load to interactive, first-load JavaScript, a list of 2,000 tasks (Chromium, npm start)',
  async unavailable() {
    return existsSync(chromiumPath) ? null : `no Chromium at ${chromiumPath} (apt-get install chromium)`;
  },
  async run({ quick, repeats, log }) {
    const loads = quick ? 3 : Math.max(repeats, 7);
    log('starting npm start (builds web/ when its sources changed)');
    const start = await startNpmStart({ AUTH_JWT_SECRET: secret });
    const browser = await launchChromium();
    const db = createDb(start.databaseUrl, { max: 2 });
    try {
      const web = new URL(start.appUrl).origin;
      const js = await firstLoadJs();

      // A user with a realistic day: 30 open tasks over the next weeks, 10 of them today or overdue.
      const seed = async (user: string, count: number) => {
        await sql`insert into users (id, email) values (${user}, ${`${user}@bench.example`})`.execute(db);
        await sql`insert into tasks (user_id, title, priority, tags, due_at, timezone)
          select ${user}, 'Task number ' || n, (array['low','medium','high','urgent'])[1 + n % 4]::text,
                 array['bench', 'tag' || (n % 7)], now() + ((n % 40) - 8) * interval '9 hours', 'UTC'
          from generate_series(1, ${count}) as n`.execute(db);
      };
      await seed('bench-day', 30);
      await seed('bench-2k', bigList);

      /** One cold load (fresh context: empty cache and storage) of `path` signed in as `sub`. */
      const load = async (sub: string, path: string, rows: number) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
        try {
          const page = await context.newPage();
          await page.goto(`${web}${path}#token=${await token(sub)}`);
          // Polled with evaluate (run over DevTools, outside the app's CSP, which forbids
          // waitForFunction's eval); the figures are the page's own timestamps, not the poll's.
          const ready = `performance.getEntriesByName('${firstListMark}').length > 0 &&
            document.querySelectorAll('li.task-row').length >= ${rows}`;
          const deadline = Date.now() + 60_000;
          while (!(await page.evaluate<boolean>(ready))) {
            if (Date.now() > deadline) throw new Error(`${path} as ${sub}: no list of ${rows} rows in 60 s`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return await page.evaluate<{
            list: number;
            dcl: number;
            rows: number;
            sync: number;
          }>(`(() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const sync = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/sync'));
            return {
              list: performance.getEntriesByName('${firstListMark}')[0].startTime,
              dcl: nav.domContentLoadedEventEnd,
              rows: document.querySelectorAll('li.task-row').length,
              sync: sync.reduce((sum, r) => sum + r.duration, 0),
            };
          })()`);
        } finally {
          await context.close();
        }
      };

      // One warm-up load: the first request of a fresh process pays for JIT and connection setup.
      await load('bench-day', '/inbox', 30);
      const day: Awaited<ReturnType<typeof load>>[] = [];
      for (let i = 0; i < loads; i += 1) day.push(await load('bench-day', '/inbox', 30));
      log(`first load: median ${round(median(day.map((r) => r.list)), 0)} ms to the first list`);
      const big: Awaited<ReturnType<typeof load>>[] = [];
      for (let i = 0; i < Math.min(loads, 5); i += 1) big.push(await load('bench-2k', '/inbox', bigList));
      log(`2,000 tasks: median ${round(median(big.map((r) => r.list)), 0)} ms to all rows`);

      const rows: Row[] = [
        {
          measure: `first load to interactive (${day[0]?.rows ?? 0} tasks, Inbox)`,
          median: `${round(median(day.map((r) => r.list)), 0)} ms`,
          detail: `DOMContentLoaded ${round(median(day.map((r) => r.dcl)), 0)} ms; /api/sync ${round(median(day.map((r) => r.sync)), 0)} ms; ${loads} cold loads`,
        },
        {
          measure: 'first-load JavaScript (gzip -9)',
          median: `${round(js.gzip / 1024, 1)} KiB`,
          detail: `budget ${budgetKiB} KiB; ${round(js.raw / 1024, 1)} KiB raw in ${js.files.length} file(s); all chunks incl. lazy: ${round(js.allGzip / 1024, 1)} KiB`,
        },
        {
          measure: `${bigList.toLocaleString('en')} tasks: navigation → every row rendered`,
          median: `${round(median(big.map((r) => r.list)), 0)} ms`,
          detail: `/api/sync (2 pages of 1,000) ${round(median(big.map((r) => r.sync)), 0)} ms; ${big[0]?.rows} rows in the DOM (not virtualised); ${big.length} cold loads`,
        },
      ];
      return {
        columns: ['measure', 'median', 'detail'],
        rows,
        notes: [
          'Each load is a fresh browser context (empty HTTP cache and storage) signed in by the URL fragment, after one warm-up load.',
          "Interactive = the app's User Timing mark `nudge:first-list`: the first list committed to the DOM after the snapshot from /api/sync; times are from navigation start.",
          'The local stack serves the built app from web/server/serve.ts and task-api on 127.0.0.1: no network latency, the machine shared with PostgreSQL and four functions.',
          'The list is not virtualised: every row is a DOM node.',
        ],
        goals: [
          {
            name: `first-load JavaScript ≤ ${budgetKiB} KiB gzipped`,
            met: js.gzip / 1024 <= budgetKiB,
            detail: `${round(js.gzip / 1024, 1)} KiB`,
          },
        ],
        runs: { firstLoad: day, bigList: big, js },
      };
    } finally {
      await db.destroy();
      await browser.close();
      await start.stop();
    }
  },
};
