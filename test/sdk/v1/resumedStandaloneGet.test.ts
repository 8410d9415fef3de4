/**
 * A GET stream resumed with Last-Event-ID (the transport has an event store) replaces the open one:
 * the SDK opens the new stream, then closes its predecessor. The close of the old one ends a stream,
 * but the session still has one open: a task's input request goes out on the new stream. Followed as
 * one flag, the old stream's close came last and left the session believing it had no stream.
 * (That close tells no drop either: test/clientTasks/resumedGetNoDrop.test.ts, on the newest SDK
 * only, as 1.27 never closes the old stream.)
 */
import { afterEach, expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { ELICIT, ask, initialized, openGet, resumedAfter, serveResumable } from '../../support/resumableGet.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("after a resumed GET replaced the open one, a polled task's input request is pushed on the new stream", async () => {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const url = await serveResumable(tasks, cleanups);
  const headers = await initialized(url);

  const first = await openGet(url, headers);
  cleanups.push(async () => first.close());
  await ask(url, headers, 2);
  await expect.poll(() => first.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
  const resumed = await resumedAfter(url, headers, first, cleanups);
  await ask(url, headers, 4);
  await expect.poll(() => resumed.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
});
