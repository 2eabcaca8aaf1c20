import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium, type RunningStart, repoRoot, startNpmStart } from './browser.ts';

// The web app against the real local stack as `npm start` runs it (embedded PostgreSQL, the four
// functions, the built app behind web/server/serve.ts), in Debian's Chromium.
let start: RunningStart;
let browser: Browser;
let demo: BrowserContext;
let page: Page;
const shots = join(repoRoot, 'docs/screenshots');

beforeAll(async () => {
  [start, browser] = await Promise.all([startNpmStart(), launchChromium()]);
  demo = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await demo.newPage();
  await mkdir(shots, { recursive: true });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await start?.stop();
});

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
  return (await response.json()) as T;
}

/** Today at hh:mm in this machine's zone (the browser runs in it too). */
function todayAt(hours: number, minutes: number): string {
  const date = new Date();
  date.setHours(hours, minutes, 0, 0);
  return date.toISOString();
}

async function openView(p: Page, name: string) {
  await p.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
  await p.getByRole('heading', { level: 1, name }).waitFor();
}

describe('the web app', () => {
  it('signs in by the URL npm start prints, keeps the token and takes it out of the address bar', async () => {
    expect(start.appUrl).toMatch(/^http:\/\/localhost:\d+\/#token=/);
    await page.goto(start.appUrl);
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate<string | null>("localStorage.getItem('nudge.token')")).toBe(start.demoToken);
    await page.getByText('demo@example.com').waitFor();
    // A reload stays signed in.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  }, 30_000);

  it('adds a task with quick add and shows it in the Inbox; a task due today shows in Today', async () => {
    await page.keyboard.press('q');
    await page.keyboard.type('Water plants');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('textbox', { name: 'Add a task' }).inputValue()).toBe('');
    await openView(page, 'Inbox');
    await page.getByRole('button', { name: 'Water plants', exact: true }).waitFor();

    await api('/api/tasks', {
      method: 'POST',
      body: { title: 'Pay rent', priority: 'urgent', tags: ['home'], due_at: todayAt(23, 30) },
    });
    await api('/api/tasks', {
      method: 'POST',
      body: {
        title: 'Renew passport',
        priority: 'high',
        due_at: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      },
    });
    await page.reload();
    await openView(page, 'Today');
    const overdue = page.getByRole('region', { name: /Overdue/ });
    await overdue.getByRole('button', { name: 'Renew passport', exact: true }).waitFor();
    const today = page.getByRole('region', { name: /^Today/ });
    await today.getByRole('button', { name: 'Pay rent', exact: true }).waitFor();
    expect(
      await today
        .getByText(/^Today \d/)
        .first()
        .textContent(),
    ).toMatch(/^Today \d{2}:\d{2}/);
  }, 30_000);

  it('edits the recurrence in the task panel and the preview of the next dates follows', async () => {
    await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Edit task' });
    await panel.waitFor();
    await panel.getByRole('combobox', { name: /^Repeats/ }).selectOption('daily');
    const preview = panel.getByRole('list', { name: 'Next dates' });
    await expect.poll(() => preview.getByRole('listitem').count()).toBe(5);
    const daily = await preview.getByRole('listitem').allTextContents();
    expect(await panel.getByTestId('recurrence-summary').textContent()).toMatch(/^Every day at/);

    await panel.getByRole('combobox', { name: /^Repeats/ }).selectOption('custom');
    await panel.getByRole('spinbutton', { name: /^Every/ }).fill('2');
    await panel.getByRole('combobox', { name: /^Unit/ }).selectOption('WEEKLY');
    await expect
      .poll(() => panel.getByTestId('recurrence-summary').textContent())
      .toMatch(/^Every 2 weeks on /);
    await expect
      .poll(async () => (await preview.getByRole('listitem').allTextContents()).join())
      .not.toBe(daily.join());
    const biweekly = await preview.getByRole('listitem').allTextContents();
    expect(biweekly).toHaveLength(5);

    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved').waitFor();
    const tasks = await api<{ items: { title: string; recurrence: { rule: string } | null }[] }>(
      '/api/tasks',
    );
    expect(tasks.items.find((t) => t.title === 'Pay rent')?.recurrence?.rule).toMatch(
      /FREQ=WEEKLY;INTERVAL=2/,
    );
    await page.screenshot({ path: join(shots, 'task-panel-desktop-light.png') });
    await panel.getByRole('button', { name: 'Close the task panel' }).click();
  }, 30_000);

  it('completes a task: it leaves Today and shows under Completed', async () => {
    await page.getByRole('button', { name: 'Complete “Renew passport”' }).click();
    await expect
      .poll(() => page.getByRole('button', { name: 'Renew passport', exact: true }).count())
      .toBe(0);
    await openView(page, 'Completed');
    await page.getByRole('button', { name: 'Reopen “Renew passport”' }).waitFor();
  }, 20_000);

  it('keeps two users apart in two browser contexts', async () => {
    const alice = await browser.newContext();
    try {
      const alicePage = await alice.newPage();
      await alicePage.goto(start.otherUserUrl);
      await alicePage.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
      await openView(alicePage, 'Inbox');
      await alicePage.getByText('No open tasks').waitFor();
      await alicePage.getByRole('textbox', { name: 'Add a task' }).fill('Alice’s secret plan');
      await alicePage.keyboard.press('Enter');
      await alicePage.getByRole('button', { name: 'Alice’s secret plan', exact: true }).waitFor();
      expect(await alicePage.getByText('Water plants').count()).toBe(0);

      await page.reload();
      await openView(page, 'Inbox');
      await page.getByRole('button', { name: 'Water plants', exact: true }).waitFor();
      expect(await page.getByText('Alice’s secret plan').count()).toBe(0);
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
      await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
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
    const mobile = await browser.newContext({ viewport: { width: 360, height: 760 }, deviceScaleFactor: 2 });
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
        await small.getByRole('button', { name: 'Pay rent', exact: true }).click();
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
