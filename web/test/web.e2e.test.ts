import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createDb, type Db, purgeChangeHistory } from '@nudge/core';
import { repoRoot } from '@nudge/testing';
import { launchChromium, type RunningStart, startNpmStart } from '@nudge/testing/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './axe.ts';

// The web app against the real local stack as `npm start` runs it (embedded PostgreSQL, the four
// functions, the built app behind web/server/serve.ts), in Debian's Chromium. One stack, one
// browser and one signed-in page for the whole file: the tests build on each other's tasks.
let start: RunningStart;
let browser: Browser;
let demo: BrowserContext;
let page: Page;
let db: Db;
// Every run takes the screenshots; `UPDATE_SCREENSHOTS=1 npm test` writes them over the README's
// checked-in ones, any other run into the git-ignored web/test-results/ (a test run leaves the tree clean).
const shots = join(
  repoRoot,
  process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : 'web/test-results/screenshots',
);
const quickText = 'Water plants tomorrow 9am every day #home remind me 1 hour before';

beforeAll(async () => {
  [start, browser] = await Promise.all([startNpmStart(), launchChromium()]);
  db = createDb(start.databaseUrl, { max: 1 });
  // en-GB: 24-hour times like the server's chips; the screenshots in the README show it.
  demo = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: zone,
  });
  page = await demo.newPage();
  await mkdir(shots, { recursive: true });
}, 150_000);

afterAll(async () => {
  await db?.destroy();
  await browser?.close();
  await start?.stop();
});

interface ApiTask {
  id: string;
  title: string;
  status: string;
  due_at: string | null;
  tags: string[];
  recurrence: { rule: string; from: string } | null;
  reminders: { before: string | null }[];
}

/** task-api called from this process, as another device or a script would. */
async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const response = await fetch(`${start.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? start.demoToken}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : null,
  });
  expect(response.ok, `${path} answered ${response.status}`).toBe(true);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

const openTasks = async (title: string) =>
  (await api<{ items: ApiTask[] }>('/api/tasks?status=open')).items.filter((t) => t.title === title);

/**
 * The browser's zone: a whole-hour zone where it is now about 03:00, so tasks the tests put "today
 * at 20:00–23:30" are still ahead and "tomorrow" is never a few minutes away, whenever CI runs.
 */
const utcOffsetHours = (() => {
  const offset = (27 - new Date().getUTCHours()) % 24; // local hour 3
  return offset > 14 ? offset - 24 : offset;
})();
const zone =
  utcOffsetHours === 0 ? 'Etc/UTC' : `Etc/GMT${utcOffsetHours > 0 ? '-' : '+'}${Math.abs(utcOffsetHours)}`; // Etc/GMT signs are inverted

/** Today at hh:mm in the browser's zone. */
function todayAt(hours: number, minutes: number): string {
  const local = new Date(Date.now() + utcOffsetHours * 3_600_000);
  local.setUTCHours(hours, minutes, 0, 0);
  return new Date(local.getTime() - utcOffsetHours * 3_600_000).toISOString();
}

async function openView(p: Page, name: string) {
  await p.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
  await p.getByRole('heading', { level: 1, name }).waitFor();
}

/** Set once the page is loaded; still there afterwards means nothing reloaded it. */
const markPage = () => page.evaluate("window.__sameDocument = 'yes'");
const samePage = () => page.evaluate<string | undefined>('window.__sameDocument');
const projected = (p: Page, title: string) => p.locator('li.task-row--projected').filter({ hasText: title });

describe('the web app', () => {
  it('signs in by the URL npm start prints, keeps the token and takes it out of the address bar', async () => {
    expect(start.appUrl).toMatch(/^http:\/\/localhost:\d+\/#token=/);
    await page.goto(start.appUrl);
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate<string | null>("localStorage.getItem('nudge.token')")).toBe(start.demoToken);
    await page.getByText('demo@example.com').waitFor();
    // A reload stays signed in, and the live stream opens.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await markPage();
  }, 30_000);

  it('quick add shows the parsed values as chips, then the task and its projected occurrences in Upcoming', async () => {
    await page.locator('body').press('q');
    await page.keyboard.type(quickText);
    const chips = page.getByRole('list', { name: 'Recognised' }).getByRole('listitem');
    await expect.poll(() => chips.count(), { timeout: 5_000 }).toBe(4);
    const chipText = (await chips.allTextContents()).join(' | ');
    expect(chipText).toMatch(/Due.*09:00/);
    expect(chipText).toContain('Repeatsevery day');
    expect(chipText).toContain('Tag#home');
    expect(chipText).toContain('Reminder1 hour before');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('textbox', { name: 'Add a task' }).inputValue()).toBe('');

    const [task] = await openTasks('Water plants');
    expect(task?.recurrence).toEqual({ rule: expect.stringMatching(/FREQ=DAILY/), from: 'due' });
    expect(task?.tags).toEqual(['home']);
    expect(task?.reminders.map((r) => r.before)).toEqual(['PT1H']);
    const due = new Date(new Date(task!.due_at!).getTime() + utcOffsetHours * 3_600_000); // browser's wall clock
    expect([due.getUTCHours(), due.getUTCMinutes()]).toEqual([9, 0]);

    await openView(page, 'Upcoming');
    const tomorrow = page.getByRole('region', { name: /^Tomorrow/ });
    await tomorrow.getByRole('button', { name: 'Water plants', exact: true }).waitFor();
    // Every later day of the 14-day window shows the series' next date, from the server's preview.
    await expect.poll(() => projected(page, 'Water plants').count()).toBe(12);
    expect(await projected(page, 'Water plants').first().textContent()).toContain('09:00');
    expect(await samePage()).toBe('yes');
  }, 30_000);

  it('edits the recurrence in the task panel: the preview and Upcoming follow', async () => {
    await page.getByRole('button', { name: 'Water plants', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Edit task' });
    const preview = panel.getByRole('list', { name: 'Next dates' });
    await expect.poll(() => preview.getByRole('listitem').count()).toBe(5);
    expect(await panel.getByTestId('recurrence-summary').textContent()).toMatch(/^Every day at 09:00/);
    const daily = await preview.getByRole('listitem').allTextContents();

    await panel.getByRole('combobox', { name: /^Repeats/ }).selectOption('custom');
    await panel.getByRole('spinbutton', { name: /^Every/ }).fill('2');
    await panel.getByRole('combobox', { name: /^Unit/ }).selectOption('DAILY');
    await expect.poll(() => panel.getByTestId('recurrence-summary').textContent()).toMatch(/^Every 2 days/);
    await expect
      .poll(async () => (await preview.getByRole('listitem').allTextContents()).join())
      .not.toBe(daily.join());
    const everyOther = await preview.getByRole('listitem').allTextContents();
    expect(everyOther).toHaveLength(5);
    expect(everyOther[1]).toBe(daily[2]);

    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved').waitFor();
    const [task] = await openTasks('Water plants');
    expect(task?.recurrence?.rule).toMatch(/FREQ=DAILY;INTERVAL=2/);
    // Days 3, 5, …, 13 of the window.
    await expect.poll(() => projected(page, 'Water plants').count()).toBe(6);
    // The screenshot shows the recurrence editor: the plain-language summary and the next dates.
    await preview.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'task-panel-desktop-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, 'task-panel-desktop-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await panel.getByRole('button', { name: 'Close the task panel' }).click();
  }, 30_000);

  it('completes the recurring task: the next occurrence, written by on-task-completed, appears without reload', async () => {
    const [current] = await openTasks('Water plants');
    const clicked = Date.now();
    await page.getByRole('button', { name: 'Complete “Water plants”' }).click();
    let next: ApiTask | undefined;
    await expect
      .poll(async () => (next = (await openTasks('Water plants')).find((t) => t.id !== current!.id)), {
        timeout: 5_000,
      })
      .toBeDefined();
    await page.locator(`li.task-row[data-task-id="${next!.id}"]`).waitFor({ timeout: 5_000 });
    expect(Date.now() - clicked).toBeLessThan(5_000);
    // From the series' due date, not the completion: two days after the completed one.
    expect(Date.parse(next!.due_at!) - Date.parse(current!.due_at!)).toBe(2 * 86_400_000);
    await expect.poll(() => page.locator(`li.task-row[data-task-id="${current!.id}"]`).count()).toBe(0);
    await openView(page, 'Completed');
    await page.getByRole('button', { name: 'Reopen “Water plants”' }).waitFor();
    expect(await samePage()).toBe('yes');
  }, 30_000);

  it('shows changes made through the API by another process within 3 s, without reload', async () => {
    await openView(page, 'Today');
    const rent = await api<ApiTask>('/api/tasks', {
      method: 'POST',
      body: { title: 'Pay rent', priority: 'urgent', tags: ['home', 'money'], due_at: todayAt(23, 30) },
    });
    await api('/api/tasks', {
      method: 'POST',
      body: {
        title: 'Renew passport',
        priority: 'high',
        tags: ['errands'],
        due_at: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      },
    });
    await api('/api/tasks', {
      method: 'POST',
      body: {
        title: 'Stretch for ten minutes',
        tags: ['health'],
        due_at: todayAt(23, 0),
        recurrence: { rule: 'FREQ=DAILY' },
      },
    });
    const overdue = page.getByRole('region', { name: /Overdue/ });
    await overdue.getByRole('button', { name: 'Renew passport', exact: true }).waitFor({ timeout: 3_000 });
    const today = page.getByRole('region', { name: /^Today/ });
    await today.getByRole('button', { name: 'Pay rent', exact: true }).waitFor({ timeout: 3_000 });
    expect(
      await today
        .getByText(/^Today \d/)
        .first()
        .textContent(),
    ).toMatch(/^Today \d{2}:\d{2}/);

    await api(`/api/tasks/${rent.id}`, { method: 'PATCH', body: { description: 'Transfer by the 1st' } });
    const plumber = await api<ApiTask>('/api/tasks', {
      method: 'POST',
      body: { title: 'Call the plumber', due_at: todayAt(22, 0) },
    });
    await page.getByRole('button', { name: 'Call the plumber', exact: true }).waitFor({ timeout: 3_000 });
    await api(`/api/tasks/${plumber.id}`, { method: 'DELETE' });
    await expect
      .poll(() => page.getByRole('button', { name: 'Call the plumber', exact: true }).count(), {
        timeout: 3_000,
      })
      .toBe(0);
    expect(await samePage()).toBe('yes');
  }, 30_000);

  it('offline: shows the banner, and back online catches up, from a fresh snapshot when the cursor expired', async () => {
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/api/sync?cursor=')) answers.push(response.status());
    });
    await demo.setOffline(true);
    await page
      .getByRole('status')
      .filter({ hasText: /offline/i })
      .waitFor({ timeout: 5_000 });
    // While the page is away: one new task, one deleted, and the deletion's tombstone purged, so
    // the page's cursor is older than the feed keeps (cron-scan's retention, with no grace).
    await api('/api/tasks', { method: 'POST', body: { title: 'Buy milk', due_at: todayAt(20, 0) } });
    const gone = await api<ApiTask>('/api/tasks', { method: 'POST', body: { title: 'Soon gone' } });
    await api(`/api/tasks/${gone.id}`, { method: 'DELETE' });
    const purged = await purgeChangeHistory(db, { now: new Date(Date.now() + 1_000), retentionMs: 0 });
    expect(purged.tombstones).toBeGreaterThan(0);

    await demo.setOffline(false);
    await page.getByRole('button', { name: 'Buy milk', exact: true }).waitFor({ timeout: 10_000 });
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /offline/i })
          .count(),
      )
      .toBe(0);
    expect(answers).toContain(410);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 5_000 });
    // And the stream that reopened still pushes.
    await api('/api/tasks', { method: 'POST', body: { title: 'Water the basil', due_at: todayAt(21, 0) } });
    await page.getByRole('button', { name: 'Water the basil', exact: true }).waitFor({ timeout: 3_000 });
    expect(await samePage()).toBe('yes');
  }, 40_000);

  it('keeps two users apart in two browser contexts', async () => {
    const alice = await browser.newContext({ timezoneId: zone });
    try {
      const alicePage = await alice.newPage();
      await alicePage.goto(start.otherUserUrl);
      await alicePage.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
      await openView(alicePage, 'Inbox');
      await alicePage.getByText('No open tasks').waitFor();
      await alicePage.getByRole('textbox', { name: 'Add a task' }).fill('Alice’s secret plan p1');
      await alicePage.keyboard.press('Enter');
      await alicePage.getByRole('button', { name: 'Alice’s secret plan', exact: true }).waitFor();
      // The demo user's page is live too: give a push the time it would need to arrive.
      await api('/api/tasks', { method: 'POST', body: { title: 'Demo marker' } });
      await openView(page, 'Inbox');
      await page.getByRole('button', { name: 'Demo marker', exact: true }).waitFor({ timeout: 3_000 });
      expect(await page.getByText('Alice’s secret plan').count()).toBe(0);
      expect(await alicePage.getByText('Demo marker').count()).toBe(0);
      expect(await alicePage.getByText('Water plants').count()).toBe(0);
      const aliceTasks = await api<{ items: ApiTask[] }>('/api/tasks?status=all', {
        token: new URL(start.otherUserUrl).hash.slice('#token='.length),
      });
      expect(aliceTasks.items.map((t) => t.title)).toEqual(['Alice’s secret plan']);
    } finally {
      await alice.close();
    }
  }, 30_000);

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violation on any view (${colorScheme})`, async () => {
      await page.emulateMedia({ colorScheme });
      const problems: string[] = [];
      for (const view of ['Today', 'Upcoming', 'Inbox', 'Completed']) {
        await openView(page, view);
        problems.push(...(await axeViolations(page)).map((v) => `${view}: ${v}`));
      }
      await openView(page, 'Today');
      await page.getByRole('button', { name: 'Stretch for ten minutes', exact: true }).click();
      await page
        .getByRole('dialog', { name: 'Edit task' })
        .getByRole('list', { name: 'Next dates' })
        .waitFor();
      problems.push(...(await axeViolations(page)).map((v) => `task panel: ${v}`));
      await page.keyboard.press('Escape');
      await page.locator('body').press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      problems.push(...(await axeViolations(page)).map((v) => `shortcuts: ${v}`));
      await page.keyboard.press('Escape');
      expect(problems).toEqual([]);
    }, 60_000);
  }

  it('fits 360 px without sideways scrolling, in light and dark; screenshots for the docs', async () => {
    const mobile = await browser.newContext({
      viewport: { width: 360, height: 760 },
      deviceScaleFactor: 2,
      locale: 'en-GB',
      timezoneId: zone,
    });
    try {
      const small = await mobile.newPage();
      await small.goto(start.appUrl);
      await small.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
      for (const colorScheme of ['light', 'dark'] as const) {
        await small.emulateMedia({ colorScheme });
        for (const view of ['Today', 'Upcoming', 'Inbox', 'Completed']) {
          await openView(small, view);
          const overflow = await small.evaluate<number>(
            'document.documentElement.scrollWidth - window.innerWidth',
          );
          expect(overflow, `${view} (${colorScheme}) overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        }
        await openView(small, 'Today');
        await small.screenshot({ path: join(shots, `today-mobile-${colorScheme}.png`) });
        await small.getByRole('button', { name: 'Stretch for ten minutes', exact: true }).click();
        await small
          .getByRole('dialog', { name: 'Edit task' })
          .getByRole('list', { name: 'Next dates' })
          .waitFor();
        const overflow = await small.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow, `the task panel overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        await small.screenshot({ path: join(shots, `task-panel-mobile-${colorScheme}.png`) });
        await small.keyboard.press('Escape');
      }
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await openView(page, 'Today');
        await page.screenshot({ path: join(shots, `today-desktop-${colorScheme}.png`) });
        await openView(page, 'Upcoming');
        await page.screenshot({ path: join(shots, `upcoming-desktop-${colorScheme}.png`) });
      }
    } finally {
      await mobile.close();
    }
  }, 60_000);
});
