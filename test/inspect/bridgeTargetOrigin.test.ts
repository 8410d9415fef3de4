/**
 * The bridge page (relay.ts) hands the relay's events to its inspector frame with `postMessage`.
 * Posted with target origin `'*'`, they reached whatever document the frame held: a frame navigated
 * away from stately.ai (by a link in it, a redirect, or a script of the inspector's page) got every
 * task's events. Posted with the inspector's origin, only a stately.ai document gets them; and only
 * the inspector frame, from that origin, can tell the bridge it is connected.
 */
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStatelyInspector } from '../../src/inspect/index.js';
import type { StatelyInspector } from '../../src/inspect/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

/** A document that keeps every message it is posted (`got`), and says connected if told to. */
const receiver = (sayConnected: boolean): string =>
  `<script>window.got = []; addEventListener('message', (e) => got.push(e.data));` +
  (sayConnected ? `parent.postMessage({ type: '@statelyai.connected' }, '*');` : '') +
  `</script>`;

let inspector: StatelyInspector;
let browser: BrowserContext;
let closeChromium: () => Promise<void>;
let tasks: TaskSupport;

beforeEach(async () => {
  inspector = await startStatelyInspector({ port: 0 });
  ({ browser, close: closeChromium } = await openChromium());
  tasks = testTaskSupport({ inspect: inspector.inspect });
});

afterEach(async () => {
  await tasks.close();
  await closeChromium();
  await inspector.stop();
});

/** The bridge page, its frame served (offline) by `inspectorPage`; `elsewhere.example` by a receiver. */
async function openBridge(inspectorPage: string): Promise<Page> {
  const page = await browser.newPage();
  await page.route(/^https:\/\/stately\.ai\//, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: inspectorPage }));
  await page.route(/^https:\/\/elsewhere\.example\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: receiver(false) }),
  );
  await page.goto(inspector.url);
  await page.waitForFunction('typeof ws !== "undefined" && ws.readyState === 1', null, { timeout: 10_000 });
  return page;
}

function inspectorFrame(page: Page): Frame {
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
  if (!frame) throw new Error('the bridge page has no frame');
  return frame;
}

/** Runs a task to its end and waits until the bridge page's socket delivered its `completed` snapshot. */
async function runTask(page: Page): Promise<string> {
  // Registered after the bridge's own `onmessage`: once this saw an event, the bridge handled it.
  await page.evaluate('window.seen = []; ws.addEventListener("message", (e) => seen.push(JSON.parse(e.data)))');
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'job', { taskSupport: 'required' }, async () => ({ content: [{ type: 'text', text: 'ok' }] })),
  );
  try {
    const task = await createTask(session.client, 'job', {});
    await taskResult(session.client, task.taskId);
    await page.waitForFunction('seen.some((e) => e.type === "@xstate.snapshot" && e.snapshot && e.snapshot.value === "completed")', null, {
      timeout: 10_000,
    });
    return task.taskId;
  } finally {
    await session.close();
  }
}

describe.skipIf(skipWithout('chromium', 'test/inspect/bridgeTargetOrigin.test.ts'))(
  'the bridge page and its inspector frame (headless Chromium)',
  () => {
    it('posts nothing to a frame navigated to another origin, and still feeds the inspector once it is back', async () => {
      const page = await openBridge(receiver(true));
      await page.waitForFunction('connected === true', null, { timeout: 10_000 });
      const frame = inspectorFrame(page);
      await frame.goto('https://elsewhere.example/');

      await runTask(page);
      // Messages from one window to another arrive in the order posted: once this marker is in, every
      // event the bridge posted before it would be too.
      await page.evaluate('iframe.contentWindow.postMessage({ type: "marker" }, "*")');
      await frame.waitForFunction('got.some((m) => m.type === "marker")', null, { timeout: 10_000 });
      expect(await frame.evaluate('got.map((m) => m.type)')).toEqual(['marker']);

      // Back on stately.ai, the inspector says connected again and gets the next task's events.
      await frame.goto('https://stately.ai/inspect');
      await page.waitForFunction('connected === true', null, { timeout: 10_000 });
      await runTask(page);
      await frame.waitForFunction(
        'got.some((m) => m.type === "@xstate.snapshot" && m.snapshot && m.snapshot.value === "completed")',
        null,
        { timeout: 10_000 },
      );
    }, 40_000);

    it('takes "connected" only from the inspector frame on stately.ai, not from a document of another origin', async () => {
      // An inspector that never connects (offline): the bridge keeps what the relay sends.
      const page = await openBridge(receiver(false));
      const frame = inspectorFrame(page);
      await frame.goto('https://elsewhere.example/');
      await page.evaluate('window.heard = []; addEventListener("message", (e) => heard.push(e.data.type))');
      await frame.evaluate('parent.postMessage({ type: "@statelyai.connected" }, "*"); parent.postMessage({ type: "marker" }, "*")');
      // The bridge's listener came first: by the marker, it has handled the claim.
      await page.waitForFunction('heard.includes("marker")', null, { timeout: 10_000 });
      expect(await page.evaluate('connected')).toBe(false);
      await runTask(page);
      expect(await page.evaluate('buffer.some((e) => e.type === "@xstate.snapshot" && e.snapshot.value === "completed")')).toBe(true);
      expect(await frame.evaluate('got.length')).toBe(0);
    }, 40_000);
  },
);
