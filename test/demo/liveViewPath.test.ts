/**
 * The live view's `path` option goes into the page, as the `data-events` attribute its script reads
 * the stream's path from. Put there unescaped, `&quot;` or `&lt;` in a path came back to the script
 * as `"` or `<` (and a literal `"` ended the attribute): the page asked for a stream that is not
 * there and never went live. A path no request can spell (`"`, `<`, a space: a request brings them
 * percent-encoded) is refused when the routes are made, since no page could ever be served at it.
 */
import { describe, expect, it } from 'vitest';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { serveLiveView } from '../support/serveLiveView.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

describe('the live view path option', () => {
  it.each(['/ops/"x"', '/ops/<x>', '/ops/a b', 'tasks', '//evil.example/tasks', '/ops/../tasks', '/tasks?x=1', '/tasks#x'])(
    'refuses %j, which no request could reach, with a TypeError naming it',
    (path) => {
      expect(() => liveViewRoutes(new TaskBoard(), { path })).toThrow(TypeError);
      expect(() => liveViewRoutes(new TaskBoard(), { path })).toThrow(`got ${JSON.stringify(path)}`);
    },
  );

  it('serves a page at / itself: the page, not a redirect to itself, with its stream at /events', async () => {
    const view = liveViewRoutes(new TaskBoard(), { path: '/' });
    const served = await serveLiveView(view);
    try {
      const base = new URL(served.events).origin;
      const home = await fetch(`${base}/`, { redirect: 'manual' });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('data-events="/events"');
      const stream = await fetch(`${base}/events`);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      await stream.body?.cancel();
    } finally {
      await served.close();
    }
  });

  it.each([
    ['flushMs', Number.NaN],
    ['flushMs', -1],
    ['poolEveryMs', 0],
    ['poolTimeoutMs', Infinity],
    ['maxTasks', 0],
    ['maxStreams', 2.5],
  ])('refuses %s: %s with a RangeError naming it', (name, value) => {
    expect(() => liveViewRoutes(new TaskBoard(), { [name]: value })).toThrow(RangeError);
    expect(() => liveViewRoutes(new TaskBoard(), { [name]: value })).toThrow(`liveView.${name}`);
  });

  it.skipIf(skipWithout('chromium', 'test/demo/liveViewPath.test.ts'))(
    'serves a page whose script reads back the very path, HTML-special characters and all, and goes live',
    async () => {
      // As requests spell them: & ; ' kept, " and < percent-encoded (a request brings them so).
      const path = "/o'ps/%22%3C/&quot;&lt;&amp;/view";
      const view = liveViewRoutes(new TaskBoard(), { path });
      const served = await serveLiveView(view);
      const { browser, close } = await openChromium();
      try {
        const page = await browser.newPage();
        const base = new URL(served.events).origin;
        const response = await page.goto(`${base}${path}`);
        expect(response?.status()).toBe(200);
        expect(await page.locator('#live-view').getAttribute('data-events')).toBe(`${path}/events`);
        expect(await page.locator('#live-view').getAttribute('data-max-cards')).toBe('1000');
        await page.locator('#connection.ok').waitFor({ timeout: 10_000 });
      } finally {
        await close();
        await served.close();
      }
    },
    30_000,
  );
});
