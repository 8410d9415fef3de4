/**
 * A GET stream resumed with Last-Event-ID (the transport has an event store) replaces the open one,
 * whose response SDK v1 (1.32) closes once the new one is open. The session still has its stream:
 * that close tells no `dropped`, or each follow of a client task took the requests out on the
 * stream (tasks/get, tasks/result, tasks/cancel) for lost and sent them again (engine/streamGap.ts).
 * Here, not in test/sdk/v1/, which runs on SDK 1.27 too: 1.27 never closes the old stream, so there
 * is nothing to tell there.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { drain } from '../support/until.js';
import { ELICIT, ask, initialized, resumedAfter, serveResumable, watchedGet } from '../support/resumableGet.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a resumed GET that replaces the open one tells no drop while the session has its stream', async () => {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const servers: McpServer[] = [];
  const url = await serveResumable(tasks, cleanups, servers);
  const headers = await initialized(url);
  const { first, standalone, changes } = await watchedGet(tasks, servers, url, headers, cleanups);
  await ask(url, headers, 2);
  await expect.poll(() => first.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
  await resumedAfter(url, headers, first, cleanups);
  // The SDK closed the stream it replaced: the close this test is about happened.
  await expect.poll(() => first.closed(), { timeout: 2000 }).toBe(true);
  await drain();
  // Before, the old stream's close told `dropped`: follows took their polls and tasks/result out on
  // the open stream for lost and sent them again.
  expect(changes.filter((change) => change.startsWith('dropped'))).toEqual([]);
  expect(standalone()?.open).toBe(true);
});
