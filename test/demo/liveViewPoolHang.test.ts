/**
 * The live view's "Worker pool" panel asks `pool()` (a front's `pool.view()`) once per refresh, one
 * question at a time. A question that never settled (a reply lost while Redis was away) kept every
 * later refresh from being asked: the panel showed its last figures, as if current, for good. Now
 * each question has its time; past it the page is told the pool's status is unavailable and a later
 * refresh asks again, while at most three unanswered questions are ever outstanding.
 */
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveViewOptions, PoolQueueView } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { eventually } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';
import { serveLiveView } from '../support/serveLiveView.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function serve(options: LiveViewOptions): Promise<string> {
  const served = await serveLiveView(liveViewRoutes(new TaskBoard(), options));
  cleanups.push(() => served.close());
  return served.events;
}

/** The events of the stream at `url`, as `[event, data]`, read as they come. */
function streamEvents(url: string): () => [string, unknown][] {
  let text = '';
  const request = get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => void (text += chunk));
    res.on('error', () => {});
  });
  request.on('error', () => {});
  cleanups.push(() => void request.destroy());
  return () =>
    [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((match): [string, unknown] => [match[1]!, JSON.parse(match[2]!) as unknown]);
}

const queues = (waiting: number): PoolQueueView[] => [{ tool: 'countdown', waiting, active: [] }];

/** A pool whose first `hangs` calls never settle (their `release` settles one) and whose others answer. */
function poolHangingFor(hangs: number) {
  const held: ((answer: PoolQueueView[]) => void)[] = [];
  let calls = 0;
  return {
    pool: (): Promise<PoolQueueView[]> => {
      calls += 1;
      if (calls <= hangs) return new Promise((resolve) => void held.push(resolve));
      return Promise.resolve(queues(calls));
    },
    calls: () => calls,
    release: () => held.shift()?.(queues(-1)),
  };
}

describe("the live view's worker pool panel, facing a pool() that never answers", () => {
  it('asks again after a call that hangs: the page is told the status is unavailable, then gets the figures', async () => {
    const pool = poolHangingFor(1);
    const events = streamEvents(await serve({ pool: pool.pool, poolEveryMs: 20, poolTimeoutMs: 100 }));
    await eventually(() => events().some(([event]) => event === 'pool'));
    const pooled = events().filter(([event]) => event !== 'snapshot');
    expect(pooled[0]).toEqual(['poolUnavailable', { reason: 'no answer from the pool in 100 ms' }]);
    expect(pooled.find(([event]) => event === 'pool')).toEqual(['pool', { queues: queues(2) }]);
  });

  it('keeps at most three unanswered calls however long none answers, and asks again once one settles', async () => {
    const pool = poolHangingFor(3);
    const events = streamEvents(await serve({ pool: pool.pool, poolEveryMs: 10, poolTimeoutMs: 30 }));
    const capped = (): number =>
      events().filter(([event, data]) => event === 'poolUnavailable' && JSON.stringify(data).includes('last 3 questions')).length;
    // Every refresh while three are unanswered says so, and asks nothing.
    await eventually(() => capped() >= 20);
    expect(pool.calls()).toBe(3);
    expect(events().some(([event]) => event === 'pool')).toBe(false);

    // One of them answers, long after it was given up on: its figures are dropped, a new call answers.
    pool.release();
    await eventually(() => events().some(([event]) => event === 'pool'));
    expect(events().filter(([event]) => event === 'pool')).toEqual([['pool', { queues: queues(4) }]]);
  });

  it.skipIf(skipWithout('chromium', 'test/demo/liveViewPoolHang.test.ts'))(
    'shows "Pool status unavailable" in the panel, then the figures once the pool answers (headless Chromium)',
    async () => {
      let release = (): void => {};
      const answered = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const events = await serve({
        poolEveryMs: 20,
        poolTimeoutMs: 100,
        // The first call never settles; the others hang until the page has shown the outage.
        pool: () => (++calls === 1 ? new Promise<never>(() => {}) : answered.then(() => queues(7))),
      });
      const { browser, close } = await openChromium();
      cleanups.push(close);
      const page = await browser.newPage();
      await page.goto(events.replace(/\/events$/, ''));
      const status = page.locator('#pool-status');
      await status.waitFor({ state: 'visible', timeout: 10_000 });
      // The first call's timeout, or (on a slow machine) the cap the held calls reached since.
      expect(await status.textContent()).toMatch(
        /^Pool status unavailable: (no answer from the pool in 100 ms|the pool has not answered the last 3 questions)\.$/,
      );
      expect(await page.locator('#pool').isVisible()).toBe(true);

      release();
      await page.locator('#pool-queues tr[data-tool="countdown"] td.waiting').waitFor({ timeout: 10_000 });
      expect(await page.locator('#pool-queues tr[data-tool="countdown"] td.waiting').textContent()).toBe('7');
      await status.waitFor({ state: 'hidden', timeout: 10_000 });
      expect(await page.locator('#pool').getAttribute('class')).not.toContain('stale');
    },
    30_000,
  );
});
