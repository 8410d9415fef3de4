import { createServer, get } from 'node:http';
import type { ClientRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveView } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

/** A page whose stream was refused (all places taken) in headless Chromium: it keeps trying, and gets in once a place is free. */
const noChromium = skipWithout('chromium', 'test/demo/liveViewRefused.test.ts');

let view: LiveView;
let http: Server;
let base: string;
let browser: BrowserContext;
let closeChromium: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (noChromium) return;
  view = liveViewRoutes(new TaskBoard(), { maxStreams: 1 });
  http = createServer((req, res) => {
    if (!view.routes(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  ({ browser, close: closeChromium } = await openChromium());
}, 60_000);

afterAll(async () => {
  await closeChromium?.();
  view?.close();
  if (http) {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
});

describe.skipIf(noChromium)('live view page refused a stream', () => {
  it('says so, tries again, and goes live once another page closed its stream', async () => {
    // Another page holds the only place.
    const holder = await new Promise<ClientRequest>((resolve, reject) => {
      const request = get(`${base}/tasks/events`, (res) => {
        expect(res.statusCode).toBe(200);
        res.resume();
        resolve(request);
      });
      request.on('error', reject);
    });
    const page = await browser.newPage();
    await page.goto(`${base}/tasks`);
    await page.waitForFunction(() => document.getElementById('connection')!.textContent!.includes('refused'), undefined, {
      timeout: 10_000,
    });

    holder.destroy(); // that tab closes mid-stream
    await page.waitForFunction(() => document.getElementById('connection')!.textContent === 'live', undefined, { timeout: 15_000 });
    await page.close();
  }, 60_000);
});
