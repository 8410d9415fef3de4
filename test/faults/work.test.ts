import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { rpcError } from '../support/session.js';

let tasks: TaskSupport;
let session: Session;
/** Resolvers of `deaf` work, released by tests after the task already ended. */
const late = new Map<string, ReturnType<typeof deferred<CallToolResult>>>();
const started = new Map<string, ReturnType<typeof deferred<void>>>();

function startedOf(key: string) {
  let d = started.get(key);
  if (!d) started.set(key, (d = deferred()));
  return d;
}

function registerFaultyTools(server: McpServer): void {
  tasks.registerTool(server, 'throwsSync', { taskSupport: 'required' }, () => {
    throw new Error('thrown synchronously');
  });
  tasks.registerTool(server, 'rejects', { taskSupport: 'required' }, async () => {
    await sleep(5);
    throw new Error('rejected later');
  });
  tasks.registerTool(
    server,
    'throwsValue',
    { taskSupport: 'required', inputSchema: { kind: z.enum(['string', 'undefined', 'object']) } },
    ({ kind }) => {
      const values = { string: 'just a string', undefined: undefined, object: { secret: 1 } };
      throw values[kind];
    },
  );
  // Never settles and never looks at its signal.
  tasks.registerTool(server, 'deaf', { taskSupport: 'required', inputSchema: { key: z.string() } }, ({ key }) => {
    const outcome = deferred<CallToolResult>();
    late.set(key, outcome);
    startedOf(key).resolve();
    return outcome.promise;
  });
  tasks.registerTool(server, 'malformed', { taskSupport: 'required' }, () => ({ content: 'not an array' }) as unknown as CallToolResult);
  // Busy-waits on the event loop: nothing else in the process runs meanwhile.
  tasks.registerTool(server, 'blockLoop', { taskSupport: 'required', inputSchema: { ms: z.number() } }, async ({ ms }) => {
    await sleep(1);
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // spin
    }
    return { content: [{ type: 'text', text: `blocked ${ms} ms` }] };
  });
  tasks.registerTool(
    server,
    'nap',
    { taskSupport: 'required', inputSchema: { ms: z.number(), n: z.number() } },
    async ({ ms, n }, task) => {
      await sleep(ms, task.signal);
      return { content: [{ type: 'text', text: `nap ${n}` }] };
    },
  );
}

beforeEach(async () => {
  tasks = testTaskSupport();
  session = await connectInMemory(tasks, registerFaultyTools);
});
afterEach(async () => {
  await session.close();
  await tasks.close();
  late.clear();
  started.clear();
});

/** Nothing of the task is alive any more: no actor in the system, no engine bookkeeping, no admission slot. */
async function expectGone(taskId: string): Promise<void> {
  // The last store write of a task may land a moment after its answer went out.
  await eventually(() => census(tasks).engineLive === 0);
  expect(tasks.taskActor(taskId)).toBeUndefined();
  expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0, admitted: 0 });
}

describe('work that misbehaves', () => {
  it('throws synchronously or rejects: the task fails with the message and its actor is gone', async () => {
    for (const [tool, message] of [
      ['throwsSync', 'thrown synchronously'],
      ['rejects', 'rejected later'],
    ] as const) {
      const task = await createTask(session.client, tool, {});
      expect(await taskResult(session.client, task.taskId)).toEqual({
        isError: true,
        content: [{ type: 'text', text: message }],
        _meta: { 'io.modelcontextprotocol/related-task': { taskId: task.taskId } },
      });
      expect(await session.client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'failed', statusMessage: message });
      await expectGone(task.taskId);
    }
  });

  it('throws something that is not an Error: the task fails with its text', async () => {
    const expected = { string: 'just a string', undefined: 'undefined', object: '[object Object]' };
    for (const [kind, text] of Object.entries(expected)) {
      const task = await createTask(session.client, 'throwsValue', { kind });
      expect(await taskResult(session.client, task.taskId)).toMatchObject({ isError: true, content: [{ text }] });
      await expectGone(task.taskId);
    }
  });

  it('returns a malformed result: failed with -32603', async () => {
    const task = await createTask(session.client, 'malformed', {});
    const error = await rpcError(taskResult(session.client, task.taskId));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(/invalid CallToolResult/);
    await expectGone(task.taskId);
  });

  it('hangs and ignores its abort signal: cancel still ends the task at once, and a late result changes nothing', async () => {
    const task = await createTask(session.client, 'deaf', { key: 'c' });
    await startedOf('c').promise;
    const waiting = rpcError(taskResult(session.client, task.taskId));
    const cancelled = await session.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    expect((await waiting).message).toMatch(/was cancelled/);
    await expectGone(task.taskId);
    // The work finally returns (or throws): the task stays cancelled.
    late.get('c')!.resolve({ content: [{ type: 'text', text: 'too late' }] });
    await sleep(20);
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  });

  it('hangs and ignores its abort signal: the ttl still ends it, actor and record gone, waiters answered', async () => {
    const task = await createTask(session.client, 'deaf', { key: 't' }, 150);
    await startedOf('t').promise;
    const error = await rpcError(taskResult(session.client, task.taskId));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    await expectGone(task.taskId);
    expect(census(tasks)).toMatchObject({ storeRecords: 0, expiryDeadlines: 0, storeWaiters: 0, queueWaiters: 0 });
    late.get('t')!.reject(new Error('failing after expiry'));
    await sleep(20);
    expect((await rpcError(session.client.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
  });

  it('hangs and ignores its abort signal at shutdown: close() still ends it failed and returns', async () => {
    const task = await createTask(session.client, 'deaf', { key: 's' });
    await startedOf('s').promise;
    const waiting = rpcError(taskResult(session.client, task.taskId));
    await tasks.close();
    expect((await waiting).message).toMatch(/Server shut down before the task finished/);
    expect(await tasks.store.get(task.taskId)).toMatchObject({ status: 'failed' });
    await expectGone(task.taskId);
  });

  it('blocks the event loop for 2 s: every other task still finishes, with its own result', async () => {
    const naps = await Promise.all(Array.from({ length: 20 }, (_, n) => createTask(session.client, 'nap', { ms: 20 + n, n })));
    const blocker = await createTask(session.client, 'blockLoop', { ms: 2_000 });
    const started = Date.now();
    const results = await Promise.all([...naps, blocker].map((t) => taskResult(session.client, t.taskId)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(results.map((r) => (r.content[0] as { text: string }).text)).toEqual([...naps.map((_, n) => `nap ${n}`), 'blocked 2000 ms']);
    await eventually(() => census(tasks).engineLive === 0);
    await expectGone(blocker.taskId);
  }, 20_000);
});
