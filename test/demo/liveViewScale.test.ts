import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveView } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { connectInMemory, createTask, deferred, eventually, testTaskSupport } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

/** The live view with 1,000 live tasks: bounded page height, and render and update times measured in the page. */
const TASKS = 1_000;
const noChromium = skipWithout('chromium', 'test/demo/liveViewScale.test.ts');

let tasks: TaskSupport;
let board: TaskBoard;
let view: LiveView;
let http: Server;
let url: string;
let browser: BrowserContext;
let closeChromium: (() => Promise<void>) | undefined;
const tick = deferred();
const release = deferred();
const ids: string[] = [];

beforeAll(async () => {
  if (noChromium) return;
  board = new TaskBoard();
  // Rate limits off: the test creates 1,000 tasks as fast as it can, from one caller.
  tasks = testTaskSupport({ inspect: board.observer, limits: { taskCreationRate: Infinity } });
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'hold', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
      await task.status(`holding ${n}`);
      await tick.promise;
      await task.status(`ticked ${n}`);
      // Work that waits as real work does: on its signal (or the test's release).
      await Promise.race([release.promise, new Promise((resolve) => task.signal.addEventListener('abort', resolve))]);
      return { content: [{ type: 'text', text: `held ${n}` }] };
    });
  });
  for (let n = 0; n < TASKS; n++) ids.push((await createTask(session.client, 'hold', { n })).taskId);
  await eventually(() => board.counts()['working'] === TASKS, 20_000);

  view = liveViewRoutes(board, { flushMs: 100 });
  http = createServer((req, res) => {
    if (!view.routes(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/tasks`;
  ({ browser, close: closeChromium } = await openChromium({ viewport: { width: 1280, height: 900 } }));
}, 120_000);

afterAll(async () => {
  release.resolve();
  tick.resolve();
  await closeChromium?.();
  view?.close();
  if (http) await new Promise((resolve) => http.close(resolve));
  await tasks?.close();
});

interface PageMetrics {
  snapshotMs: number | undefined;
  updateMs: number | undefined;
  maxUpdateMs: number;
  updates: number;
}

function metrics(page: Page): Promise<PageMetrics> {
  return page.evaluate(() => (window as unknown as { liveViewMetrics: PageMetrics }).liveViewMetrics);
}

describe.skipIf(noChromium)(`live view with ${TASKS} live tasks in headless Chromium`, () => {
  it('renders them as rows on a page of bounded height, and applies updates in under a second each', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.row').length === n, TASKS, { timeout: 15_000 });
    const first = await metrics(page);
    // The page keeps one screen's height: the list scrolls inside it.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.log(`live view, ${TASKS} tasks: first render ${first.snapshotMs!.toFixed(0)} ms, page height ${height} px`);
    expect(first.snapshotMs).toBeLessThan(1_000);
    expect(height).toBeLessThanOrEqual(1_800);
    await expect(page.locator('.chip[data-key="working"] .n').textContent()).resolves.toBe(String(TASKS));
    await expect(page.locator('#shown').textContent()).resolves.toBe(`${TASKS} tasks`);

    // Every task changes its status text at once: the updates arrive batched, each applied in the page.
    const before = first.updates ?? 0;
    tick.resolve();
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('.row .message')).every((m) => m.textContent!.startsWith('ticked')),
      undefined,
      { timeout: 15_000 },
    );
    const after = await metrics(page);
    console.log(`live view, ${TASKS} tasks: ${after.updates - before} updates, slowest ${after.maxUpdateMs.toFixed(0)} ms`);
    expect(after.updates).toBeGreaterThan(before);
    expect(after.maxUpdateMs).toBeLessThan(1_000);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(1_800);
    await page.close();
  }, 60_000);

  it('filters by status and searches by id; a task diagram and history open on demand', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.row').length === n, TASKS, { timeout: 15_000 });
    const visible = () => page.locator('.row:not([hidden])').count();
    // Diagrams are drawn for the overview only, not per task.
    await expect(page.locator('svg.machine').count()).resolves.toBe(1);

    const target = ids[123]!;
    await page.fill('#search', target.slice(0, 14));
    await expect(visible()).resolves.toBe(1);
    await expect(page.locator('#shown').textContent()).resolves.toBe(`1 of ${TASKS} tasks`);
    await page.locator(`.row[data-task-id="${target}"]`).click();
    const detail = page.locator('.detail');
    await expect(detail.locator('.full-id').textContent()).resolves.toBe(target);
    await expect(detail.locator('g.state.current').getAttribute('data-state')).resolves.toBe('task.running.working');
    await expect(page.locator('svg.machine').count()).resolves.toBe(2);

    await page.fill('#search', '');
    await page.selectOption('#status-filter', 'completed');
    await expect(visible()).resolves.toBe(0);
    await page.locator('.chip[data-key="working"]').click();
    await expect(page.locator('#status-filter').inputValue()).resolves.toBe('working');
    await expect(visible()).resolves.toBe(TASKS);
    await page.close();
  }, 60_000);

  it('is readable at 390 px: nothing wider than the screen', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.row').length === n, TASKS, { timeout: 15_000 });
    await page.locator(`.row[data-task-id="${ids[0]!}"]`).click();
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      row: document.querySelector('.row')!.getBoundingClientRect().width,
      detail: document.querySelector('.detail')!.getBoundingClientRect().right,
    }));
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.detail).toBeLessThanOrEqual(390);
    expect(widths.row).toBeGreaterThan(300);
    // Status, tool and message are shown; the id moves to the detail.
    const firstRow = page.locator('.row').first();
    await expect(firstRow.locator('.badge').isVisible()).resolves.toBe(true);
    await expect(firstRow.locator('.tool').isVisible()).resolves.toBe(true);
    await expect(firstRow.locator('.message').isVisible()).resolves.toBe(true);
    await page.close();
  }, 60_000);
});
