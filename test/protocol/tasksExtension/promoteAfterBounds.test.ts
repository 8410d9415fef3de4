import { afterEach, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import { TaskSupport } from '../../../src/index.js';
import { connectInMemory, deferred, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/*
 * `promoteAfter` is any finite number of ms (options.ts). One past the longest delay a Node timer
 * takes (2^31 - 1 ms, about 24.8 days) must still mean "that long", not "1 ms": Node fires such a
 * timer after 1 ms, which answered every `optional` extension call with a task at once.
 */

const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} } };
const MAX_TIMER_MS = 2 ** 31 - 1;

let tasks: TaskSupport | undefined;
let session: Session | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await session?.close();
  await tasks?.close();
});

/**
 * A server whose `optional` tool `slow` returns when the test says so. `inMemory` for the fake-timer
 * case: the promotion logic is the same on every backend, and a store or worker pool driven by
 * real I/O would see its own timers jump 24 days.
 */
async function serve(promoteAfter: number, inMemory = false): Promise<{ finish(text: string): void; started: Promise<void> }> {
  const work = deferred<CallToolResult>();
  const started = deferred();
  // ttls longer than the waits below, so no expiry timer fires in between.
  const options = { promoteAfter, defaultTtl: 4 * MAX_TIMER_MS, maxTtl: 4 * MAX_TIMER_MS };
  tasks = inMemory ? TaskSupport.inMemory(options) : testTaskSupport(options);
  const support = tasks;
  session = await connectInMemory(support, (server) => {
    support.registerTool(server, 'slow', { taskSupport: 'optional' }, async () => {
      started.resolve();
      return work.promise;
    });
  });
  return { finish: (text) => work.resolve({ content: [{ type: 'text', text }] }), started: started.promise };
}

function callSlow(): Promise<Record<string, unknown>> {
  return session!.client.request(
    { method: 'tools/call', params: { name: 'slow', arguments: {}, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } } },
    z.looseObject({}),
  );
}

it('answers an optional call inline when it ends within a promoteAfter longer than a Node timer can wait', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    const tool = await serve(2 ** 31);
    const call = callSlow();
    await tool.started;
    // Well past the 1 ms a too-long timer fires after.
    await new Promise((resolve) => setTimeout(resolve, 50));
    tool.finish('inline');
    expect(await call).toEqual({ content: [{ type: 'text', text: 'inline' }], resultType: 'complete' });
  } finally {
    process.off('warning', onWarning);
  }
  expect(warnings).not.toContain('TimeoutOverflowWarning');
});

it('still promotes such a call once the whole promoteAfter has passed', async () => {
  const tool = await serve(MAX_TIMER_MS + 1000, true);
  let answer: Record<string, unknown> | undefined;
  // The client's own request timeout is armed with real timers (sent synchronously); the server's
  // wait for promoteAfter is armed after a few awaits, with the fake ones.
  const call = callSlow().then((a) => (answer = a));
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  await tool.started;
  // In memory the promotion wait is armed within microtasks of the work's start: a few event-loop
  // turns (setImmediate is not faked) see it armed before the clock moves.
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
  expect(answer, 'not promoted after the first timer step').toBeUndefined();
  await vi.advanceTimersByTimeAsync(999);
  expect(answer, 'not promoted 1 ms before promoteAfter').toBeUndefined();
  await vi.advanceTimersByTimeAsync(1);
  await call;
  expect(answer).toMatchObject({ resultType: 'task', status: 'working' });
  tool.finish('late');
});
