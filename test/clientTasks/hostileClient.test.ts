/**
 * A client that answers its task-augmented requests badly, followed by the server (`elicitAsTask` /
 * `createMessageAsTask` from a server task): a real SDK v1 client whose `tasks/get`, `tasks/result`
 * and `tasks/cancel` handlers are scripted, over Streamable HTTP, or over the SDK's in-memory link
 * where a rate or fake timers are measured. Each case ends the server task with one clear outcome
 * and leaves no client-task actor running.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createTask, taskResult } from '../support/harness.js';
import { clientTask, scriptedReceiver } from '../support/scriptedReceiver.js';
import type { Script, Setup } from '../support/scriptedReceiver.js';
import { track, until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The server and a scripted client (test/support/scriptedReceiver.ts), closed after the test. */
const setup = (script: Script, link?: 'http' | 'memory'): Promise<Setup> =>
  scriptedReceiver(script, (close) => void cleanups.push(close), link);

/** Starts the server task and opens its tasks/result (which carries the elicitation/create). */
async function ask(s: Setup, tool = 'ask'): Promise<{ taskId: string; outcome: Promise<CallToolResult> }> {
  const { taskId } = await createTask(s.client, tool, {}, 10 * 60_000);
  const outcome = taskResult(s.client, taskId);
  outcome.catch(() => {});
  const method = tool === 'ask' ? 'elicitation/create' : 'sampling/createMessage';
  await until(() => s.received.includes(method), 'the task-augmented request to reach the client');
  return { taskId, outcome };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Why the server task failed: its tasks/result's error (a work's McpError), or its isError result's text. */
async function failure(outcome: Promise<CallToolResult>): Promise<string> {
  return outcome.then(
    (result) => (result.isError ? JSON.stringify(result.content) : `not failed: ${JSON.stringify(result.content)}`),
    (error: Error) => error.message,
  );
}

describe('following the task of a client that answers badly', () => {
  for (const pollInterval of [0, -5]) {
    it(`a pollInterval of ${pollInterval} is followed at 10 ms at least, not every millisecond`, async () => {
      const s = await setup(
        {
          create: (id) => ({ task: clientTask(id, 'working', { pollInterval }) }),
          get: (id) => clientTask(id, 'working', { pollInterval }),
        },
        'memory',
      );
      const { taskId } = await ask(s);
      await until(() => s.count('tasks/get') > 0, 'the first poll');
      const before = s.count('tasks/get');
      await sleep(500);
      // At most one poll per 10 ms (50), with room for timer drift; a 1 ms timer made about 250 here.
      expect(s.count('tasks/get') - before).toBeLessThanOrEqual(55);
      await s.client.experimental.tasks.cancelTask(taskId);
      await until(() => s.actors.every((a) => a.getSnapshot().status !== 'active'), 'the follow to end');
    });
  }

  it('a client that never answers tasks/get has at most 64 of them out, not one more every 10 ms', async () => {
    const s = await setup({ create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }) }, 'memory');
    const { taskId } = await ask(s);
    await until(() => s.count('tasks/get') >= 64, 'the polls to reach their cap');
    // 64 polls take 640 ms at 10 ms; as long again without an answer adds none (about 64 more before).
    await sleep(700);
    expect(s.count('tasks/get')).toBe(64);
    await s.client.experimental.tasks.cancelTask(taskId);
    await until(() => s.received.includes('tasks/cancel client-task-1'), 'the client task to be cancelled');
    await until(() => s.actors.every((a) => a.getSnapshot().status !== 'active'), 'the follow to end');
  });

  it('a tasks/get answer about another task fails the ask with a clear error; that task is never polled, fetched or cancelled', async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }),
      get: () => clientTask('someone-else', 'working', { pollInterval: 10 }),
    });
    const { outcome } = await ask(s);
    expect(await failure(outcome)).toContain('The client answered tasks/get of its task client-task-1 about task someone-else');
    expect(s.received.filter((r) => r.includes('someone-else'))).toEqual([]);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });

  it('a tasks/result whose elicitation answer does not match the requestedSchema gives the work a readable error', async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'completed') }),
      result: () => ({ action: 'accept', content: { ok: 'yes' } }),
    });
    expect(await failure((await ask(s)).outcome)).toContain(
      'Invalid answer from the client: content: does not match the requestedSchema: data/ok must be boolean',
    );
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });

  it('a tasks/result whose sampling answer has the wrong shape gives the work a readable error', async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'completed') }),
      result: () => ({ role: 'assistant', content: 'not a content block', model: 'm' }),
    });
    expect(await failure((await ask(s, 'sample')).outcome)).toMatch(/^MCP error -32602: Invalid answer from the client: content/);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });

  it('a task the client reported failed stays failed when its tasks/result is no answer at all', async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'failed') }),
      result: () => ({ content: [{ type: 'text', text: 'boom' }], isError: true }),
    });
    expect(await failure((await ask(s)).outcome)).toContain('The client reported its task failed');
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });

  for (const when of ['in its CreateTaskResult', 'by a status notification while tasks/result is open'] as const) {
    it(`a tasks/result that never answers after the client reported its task completed ${when} fails the ask after 60 s, not 24 h`, async () => {
      // Only the timers: the in-memory link and `until` run on microtasks and setImmediate.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const notified = when !== 'in its CreateTaskResult';
      // No ttl at the client: only the wait for tasks/result can end the follow.
      const s = await setup(
        { create: (id) => ({ task: clientTask(id, notified ? 'input_required' : 'completed', { ttl: null }) }) },
        'memory',
      );
      const { taskId } = await createTask(s.client, 'ask', {}, 60 * 60_000);
      const outcome = track(
        s.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, { timeout: 60 * 60_000 }),
      );
      await until(() => s.received.includes('tasks/result client-task-1'), 'the follow to ask for the result');
      if (notified) {
        await vi.advanceTimersByTimeAsync(10 * 60_000);
        await s.client.notification({
          method: 'notifications/tasks/status',
          params: clientTask('client-task-1', 'completed', { ttl: null }),
        });
      }
      await vi.advanceTimersByTimeAsync(59_000);
      expect(outcome.settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(2_000);
      await until(() => outcome.settled !== undefined, 'the server task to end');
      const settled = outcome.settled!;
      expect(settled.ok ? JSON.stringify(settled.value.content) : (settled.error as Error).message).toContain(
        'The client reported its task client-task-1 completed but did not answer tasks/result within 60 s',
      );
      expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
    });
  }
});
