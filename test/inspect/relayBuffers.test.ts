/**
 * What the Stately relay and its bridge page hold for viewers, bounded as they say: the relay's
 * replay for a page that connects later by bytes (not UTF-16 units: non-ASCII text is up to three
 * bytes a unit), and the bridge page's buffer while its inspector frame is not connected (offline,
 * stately.ai never answers) by messages and characters, newest kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStatelyInspector } from '../../src/inspect/index.js';
import type { StatelyInspector } from '../../src/inspect/index.js';
import { eventually } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function relay(): Promise<StatelyInspector> {
  const inspector = await startStatelyInspector({ port: 0 });
  cleanups.push(() => inspector.stop());
  return inspector;
}

interface Seen {
  type?: string;
  n?: number;
}

async function listen(url: string): Promise<Seen[]> {
  const socket = new WebSocket(url);
  const seen: Seen[] = [];
  socket.on('message', (data) => {
    const { event } = JSON.parse(String(data)) as { event?: Seen };
    if (event) seen.push({ type: event.type, n: event.n });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => socket.terminate());
  return seen;
}

function report(inspector: StatelyInspector, type: string, n: number, pad = ''): void {
  inspector.inspector.event('test-actor', { type, n, pad });
}

describe("the relay's replay for a viewer that connects later", () => {
  it('holds at most 4 MiB of UTF-8, however few UTF-16 units that is', async () => {
    const inspector = await relay();
    const reader = await listen(inspector.relayUrl);
    // About 3.9 MB each as UTF-8 (under the sender's 4 MiB, so sent whole), 1.3 M units: three of
    // them passed as 3.9 M units, within the old count, and a newcomer was sent all 11.7 MB at once.
    const pad = '字'.repeat(1_300_000);
    for (let n = 0; n < 3; n++) report(inspector, 'big', n, pad);
    await eventually(() => reader.filter((e) => e.type === 'big').length === 3, 30_000);

    const newcomer = await listen(inspector.relayUrl);
    report(inspector, 'after', 0);
    await eventually(() => newcomer.some((e) => e.type === 'after'), 30_000);
    expect(newcomer.filter((e) => e.type === 'big').map((e) => e.n)).toEqual([2]);
  }, 60_000);
});

describe.skipIf(skipWithout('chromium', 'test/inspect/relayBuffers.test.ts'))(
  "the bridge page's buffer while the inspector frame is not connected (headless Chromium)",
  () => {
    async function openPage(inspector: StatelyInspector) {
      const { browser, close } = await openChromium();
      cleanups.push(close);
      const page = await browser.newPage();
      // An inspector frame that never says it is connected: stately.ai offline or blocked.
      await page.route(/^https:\/\/stately\.ai\//, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<p>offline</p>' }),
      );
      await page.goto(inspector.url);
      await page.waitForFunction('typeof ws !== "undefined" && ws.readyState === 1', null, { timeout: 10_000 });
      return page;
    }
    const kept = 'buffer.filter((m) => m.event && m.event.type === "e").map((m) => m.event.n)';

    it('keeps the newest 1,000 messages', async () => {
      const inspector = await relay();
      const page = await openPage(inspector);
      for (let n = 0; n < 1500; n++) report(inspector, 'e', n);
      await page.waitForFunction('buffer.some((m) => m.event && m.event.n === 1499)', null, { timeout: 20_000 });
      const ns = (await page.evaluate(kept)) as number[];
      expect(await page.evaluate('buffer.length')).toBe(1000);
      expect([ns[0], ns.at(-1)]).toEqual([500, 1499]);
    }, 60_000);

    it('keeps at most 16 M characters of them', async () => {
      const inspector = await relay();
      const page = await openPage(inspector);
      const pad = 'x'.repeat(4_000_000);
      for (let n = 0; n < 5; n++) report(inspector, 'e', n, pad);
      await page.waitForFunction('buffer.some((m) => m.event && m.event.n === 4)', null, { timeout: 30_000 });
      expect(await page.evaluate(kept)).toEqual([1, 2, 3, 4]);
    }, 60_000);
  },
);
