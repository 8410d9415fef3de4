import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** `npm run docs:screenshot` sets this to refresh docs/live-view.png; plain test runs leave docs/ alone. */
const screenshotPath = process.env['UPDATE_SCREENSHOT']
  ? join(root, 'docs', 'live-view.png')
  : join(tmpdir(), 'mcp-task-actors-live-view.png');

let demo: ChildProcess;
let liveViewUrl: string;
let mcpUrl: string;
let browser: BrowserContext;
let closeChromium: (() => Promise<void>) | undefined;
let client: Client;
/** Without Chromium (and outside CI) the file says so in one line and its tests are skipped. */
const noChromium = skipWithout('chromium', 'test/demo/liveView.test.ts');

/** Starts `src/demo/main.ts` as `npm start` does, on a free port, and reads its URLs from stdout. */
async function startDemo(): Promise<void> {
  demo = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts'], {
    cwd: root,
    // In memory and at the demo's real pace, whatever the surrounding environment says.
    env: { ...withoutKeys(process.env, ['REDIS_URL', 'MTA_PREFIX', 'MTA_LEASE_MS', 'DEMO_SECOND_MS']), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 15_000);
    demo.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const live = /live view: (http:\/\/127\.0\.0\.1:\d+\/tasks)/.exec(out);
      const mcp = /MCP endpoint (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
      if (live && mcp) {
        clearTimeout(timer);
        liveViewUrl = live[1]!;
        mcpUrl = mcp[1]!;
        resolve();
      }
    });
    demo.once('exit', (code) => reject(new Error(`demo exited (${code}):\n${out}`)));
  });
}

function withoutKeys(env: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of keys) delete copy[key];
  return copy;
}

beforeAll(async () => {
  if (noChromium) return;
  await startDemo();
  ({ browser, close: closeChromium } = await openChromium({ viewport: { width: 1280, height: 900 } }));
  client = new Client({ name: 'live-view-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  // The user never answers: a task that asks keeps waiting for input.
  client.setRequestHandler(ElicitRequestSchema, () => new Promise<never>(() => {}));
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await closeChromium?.();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
});

function row(page: Page, taskId: string) {
  return page.locator(`.row[data-task-id="${taskId}"]`);
}

/** Opens a task's row: its diagram and history are built on demand, right under it. */
async function openDetail(page: Page, taskId: string) {
  await row(page, taskId).click();
  return row(page, taskId).locator('xpath=following-sibling::div[@class="detail"][1]');
}

describe.skipIf(noChromium)('live view at /tasks in headless Chromium', () => {
  it('is what / leads to, and has an icon', async () => {
    const base = new URL(liveViewUrl).origin;
    const home = await fetch(`${base}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/tasks');
    const icon = await fetch(`${base}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });

  it('shows a task moving from working to completed on the machine diagram, offline', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => void requests.push(request.url()));
    await page.goto(liveViewUrl);
    await page.locator('#connection.ok').waitFor({ timeout: 10_000 });
    await expect(page.locator('#empty').isVisible()).resolves.toBe(true);

    const task = await createTask(client, 'countdown', { seconds: 2 });
    const taskRow = row(page, task.taskId);
    await taskRow.and(page.locator('[data-state="working"]')).waitFor({ timeout: 5_000 });
    await expect(taskRow.locator('.badge').textContent()).resolves.toBe('working');
    await expect(taskRow.locator('.tool').textContent()).resolves.toBe('countdown');
    const detail = await openDetail(page, task.taskId);
    await expect(detail.locator('g.state.current').getAttribute('data-state')).resolves.toBe('task.running.working');
    await expect(detail.locator('g.state.within').getAttribute('data-state')).resolves.toBe('task.running');
    await page.waitForFunction(
      (id) => /s left$/.test(document.querySelector(`.row[data-task-id="${id}"] .message`)?.textContent ?? ''),
      task.taskId,
      { timeout: 5_000 },
    );
    await expect(page.locator('.chip[data-key="working"] .n').textContent()).resolves.toBe('1');

    await taskRow.and(page.locator('[data-state="completed"]')).waitFor({ timeout: 10_000 });
    await expect(taskRow.locator('.badge').textContent()).resolves.toBe('completed');
    await expect(detail.locator('g.state.current').getAttribute('data-state')).resolves.toBe('task.completed');
    await expect(detail.locator('g.state.visited').getAttribute('data-key')).resolves.toBe('working');
    await expect(detail.locator('.history li').evaluateAll((items) => items.map((li) => li.getAttribute('data-state')))).resolves.toEqual([
      'working',
      'completed',
    ]);
    await expect(detail.locator('.history li').nth(1).locator('.event').textContent()).resolves.toBe('work done');
    await expect(page.locator('.chip[data-key="working"] .n').textContent()).resolves.toBe('0');
    await expect(page.locator('.chip[data-key="completed"] .n').textContent()).resolves.toBe('1');
    // A second click closes it again.
    await taskRow.click();
    await expect(detail.count()).resolves.toBe(0);

    // Everything the page loaded came from the demo itself: no CDN, no font service.
    const origin = new URL(liveViewUrl).origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(origin))).toEqual([]);
    await page.close();
  }, 30_000);

  it('shows several tasks at once (and saves the screenshot)', async () => {
    const done = await createTask(client, 'countdown', { seconds: 1 });
    const failing = await createTask(client, 'countdown', { seconds: 3, failAt: 1 });
    const asking = await createTask(client, 'approve', { action: 'deploy v2 to staging' });
    const long = await createTask(client, 'countdown', { seconds: 60 });

    const page = await browser.newPage();
    await page.goto(liveViewUrl);
    await row(page, done.taskId).and(page.locator('[data-state="completed"]')).waitFor({ timeout: 10_000 });
    await row(page, failing.taskId).and(page.locator('[data-state="failed"]')).waitFor({ timeout: 10_000 });
    // The failed task's row says why, as far as the inspection sanitiser lets it: the class, not the text.
    await expect(row(page, failing.taskId).locator('.message.error').textContent()).resolves.toMatch(
      /^Error, message of \d+ characters hidden$/,
    );
    // Its elicitation reached the client (on the session's stream) and nobody answers it: it keeps waiting.
    await row(page, asking.taskId).and(page.locator('[data-state="input_required"]')).waitFor({ timeout: 10_000 });
    await expect(row(page, asking.taskId).locator('.message').textContent()).resolves.toBe('Waiting for input');
    await row(page, long.taskId).and(page.locator('[data-state="working"]')).waitFor({ timeout: 10_000 });
    const failedDetail = await openDetail(page, failing.taskId);
    await expect(failedDetail.locator('.history li').last().locator('.event').textContent()).resolves.toBe('work error');
    // A page opened later gets everything from the snapshot it receives on connect.
    expect(await page.locator('.row').count()).toBeGreaterThanOrEqual(5);
    await expect(page.locator('#overview g.state[data-key="input_required"] text.count').textContent()).resolves.toBe('1');

    await page.screenshot({ path: screenshotPath, fullPage: true });
    await client.experimental.tasks.cancelTask(long.taskId);
    await row(page, long.taskId).and(page.locator('[data-state="cancelled"]')).waitFor({ timeout: 10_000 });
    await page.close();
  }, 40_000);
});
