/**
 * A user `TaskRecordStore` that answers in the wrong shape (a record missing fields or with a status
 * no task has, a page that is no array, a cursor that is no string, an outcome of no known type),
 * or a queue whose `dequeueAll` is no list of messages, or a store that throws what is no `Error`:
 * the client gets one readable -32603 and the task's stored result is still there once the store
 * answers properly again; a write answered in the wrong shape is made again.
 * Before: a malformed record was answered -32602 "Task not found" (a task that exists), or sent on
 * as it was, so the client's SDK threw a ZodError dump instead of a JSON-RPC error, and a malformed
 * record from `update` or `settle` went out in notifications/tasks/status; a malformed page, outcome
 * or queue batch reached the client as a TypeError's text ("page.tasks.some is not a function").
 */
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InMemoryTaskOutbox, InMemoryTaskRecordStore } from '../../src/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { rpcError } from '../support/session.js';

/** What the wrapped store answers instead of calling the real one; absent: the real answer. */
type Answers = Partial<
  Record<'get' | 'list' | 'getOutcome' | 'update' | 'settle' | 'dequeueAll', (real: () => Promise<unknown>) => unknown>
>;

let answers: Answers;
let tasks: TaskSupport;
let session: Session;
let release: () => void;
const logged: string[] = [];

/** A real in-memory store (or queue) whose answers to the methods in {@link Answers} the test may replace. */
function replaceable<T extends object>(store: T): T {
  return new Proxy(store, {
    get: (object, property) => {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const real = () => (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        const replaced = answers[property as keyof Answers];
        return replaced ? replaced(real) : real();
      };
    },
  });
}

beforeEach(async () => {
  answers = {};
  logged.length = 0;
  tasks = testTaskSupport({
    store: replaceable(new InMemoryTaskRecordStore()),
    queue: replaceable(new InMemoryTaskOutbox()),
    storeTimeout: 200,
    logger: { warn: () => {}, error: (...args: unknown[]) => void logged.push(args.map(String).join(' ')) },
  });
  const gate = deferred();
  release = () => gate.resolve();
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'stepping', { taskSupport: 'required', inputSchema: {} }, async (_args, task) => {
      await task.status('step one');
      await gate.promise;
      return { content: [{ type: 'text', text: 'stepped' }] };
    });
    tasks.registerTool(server, 'gated', { taskSupport: 'required', inputSchema: {} }, async () => {
      await gate.promise;
      return { content: [{ type: 'text', text: 'let through' }] };
    });
    tasks.registerTool(server, 'quick', { taskSupport: 'optional', inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text: `got ${text}` }],
    }));
  });
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

async function finishedTask(): Promise<string> {
  const { taskId } = await createTask(session.client, 'quick', { text: 'kept' });
  await eventually(async () => (await session.client.experimental.tasks.getTask(taskId)).status === 'completed');
  return taskId;
}

function expectMalformed(error: McpError, method: string, component = 'store'): void {
  expect(error.code).toBe(-32603);
  expect(error.message).toBe(
    `MCP error -32603: Task ${component} unavailable: ${method} returned a malformed answer (details in the server log)`,
  );
  expect(logged.some((line) => line.includes(`task ${component} call ${method} returned a malformed answer`))).toBe(true);
}

describe('a store that answers in the wrong shape', () => {
  it('tasks/get: a record missing fields, with an unknown status, or no object at all is -32603, not "not found" or a ZodError', async () => {
    const taskId = await finishedTask();
    const bad: unknown[] = [
      { taskId },
      'a record',
      42,
      { taskId, owner: 'x', status: 'bogus', createdAt: '', lastUpdatedAt: '', ttl: 1, pollInterval: 1 },
    ];
    for (const answer of bad) {
      answers.get = () => Promise.resolve(answer);
      expectMalformed(await rpcError(session.client.experimental.tasks.getTask(taskId)), 'get');
    }
    answers = {};
    await expect(session.client.experimental.tasks.getTask(taskId)).resolves.toMatchObject({ taskId, status: 'completed' });
  });

  it('tasks/list: a page that is no array, holds no records, or has a cursor that is no string is -32603', async () => {
    await finishedTask();
    const bad: ((real: () => Promise<unknown>) => Promise<unknown>)[] = [
      async () => ({ tasks: 'not an array' }),
      async () => undefined,
      async () => ({ tasks: [null] }),
      async (real) => ({ ...((await real()) as object), nextCursor: 5 }),
    ];
    for (const answer of bad) {
      answers.list = answer;
      expectMalformed(await rpcError(session.client.experimental.tasks.listTasks()), 'list');
    }
    answers = {};
    await expect(session.client.experimental.tasks.listTasks()).resolves.toMatchObject({ tasks: [{ status: 'completed' }] });
  });

  it('tasks/result: an outcome of no known type is -32603 once; the stored result is there when the store recovers', async () => {
    const taskId = await finishedTask();
    for (const answer of [
      { type: 'weird' },
      'an outcome',
      { type: 'result', result: 5 },
      { type: 'error', error: { message: 'no code' } },
    ]) {
      answers.getOutcome = () => Promise.resolve(answer);
      expectMalformed(await rpcError(taskResult(session.client, taskId)), 'getOutcome');
    }
    answers = {};
    await expect(taskResult(session.client, taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'got kept' }] });
  });
});

describe('a store whose update or settle answers in the wrong shape', () => {
  it('update: is asked again, and the client is told the stored status, never the malformed record', async () => {
    let malformedOnce = true;
    answers.update = async (real) => {
      const stored = await real();
      if (!malformedOnce) return stored;
      malformedOnce = false;
      return { ...(stored as object), status: 'busy' };
    };
    const { taskId } = await createTask(session.client, 'stepping', {});
    await eventually(() => session.notifications.some((n) => n.method === 'notifications/tasks/status'));
    const statuses = session.notifications.filter((n) => n.method === 'notifications/tasks/status').map((n) => n.params);
    expect(statuses).toEqual([expect.objectContaining({ taskId, status: 'working', statusMessage: 'step one' })]);
    expect(logged.some((line) => line.includes('task store call update returned a malformed answer'))).toBe(true);
    release();
    await expect(taskResult(session.client, taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'stepped' }] });
  });

  it('settle: is asked again, and the client is told the stored end, never the malformed record', async () => {
    let malformedOnce = true;
    answers.settle = async (real) => {
      const stored = await real();
      if (!malformedOnce) return stored;
      malformedOnce = false;
      return { ...(stored as object), status: 'finished', pollInterval: 'soon' };
    };
    const { taskId } = await createTask(session.client, 'quick', { text: 'kept' });
    await eventually(() => session.notifications.some((n) => n.method === 'notifications/tasks/status'));
    const statuses = session.notifications.filter((n) => n.method === 'notifications/tasks/status').map((n) => n.params);
    expect(statuses).toEqual([expect.objectContaining({ taskId, status: 'completed', pollInterval: expect.any(Number) })]);
    expect(logged.some((line) => line.includes('task store call settle returned a malformed answer'))).toBe(true);
    await expect(taskResult(session.client, taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'got kept' }] });
  });
});

describe('a queue that answers in the wrong shape', () => {
  it('tasks/result: a dequeueAll that is no array of messages is -32603 once; the call after it gets the result', async () => {
    const { taskId } = await createTask(session.client, 'gated', {});
    for (const answer of ['messages', [null], [{ kind: 'letter', message: {} }]]) {
      answers.dequeueAll = () => Promise.resolve(answer);
      expectMalformed(await rpcError(taskResult(session.client, taskId)), 'dequeueAll', 'queue');
    }
    answers = {};
    const result = taskResult(session.client, taskId);
    release();
    await expect(result).resolves.toMatchObject({ content: [{ type: 'text', text: 'let through' }] });
  });
});

describe('a store that throws what is no Error, or rejects after its deadline', () => {
  it('answers -32603 "get failed" for each, logs the thrown value, and leaves no unhandled rejection', async () => {
    const taskId = await finishedTask();
    const throws: Answers['get'][] = [
      () => Promise.reject('a string'),
      () => Promise.reject(undefined),
      () => {
        throw null;
      },
      () => ({ then: (_resolve: unknown, reject: (reason: unknown) => void) => reject(42) }),
    ];
    for (const answer of throws) {
      answers.get = answer;
      const error = await rpcError(session.client.experimental.tasks.getTask(taskId));
      expect(error.message).toBe('MCP error -32603: Task store unavailable: get failed (details in the server log)');
    }
    expect(logged.filter((line) => line.startsWith('mcp-task-actors: task store call get failed'))).toEqual([
      'mcp-task-actors: task store call get failed a string',
      'mcp-task-actors: task store call get failed undefined',
      'mcp-task-actors: task store call get failed null',
      'mcp-task-actors: task store call get failed 42',
    ]);
    // Rejects after the 200 ms deadline: the client hears the deadline once; the late rejection is dropped quietly.
    answers.get = () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late')), 300));
    const late = await rpcError(session.client.experimental.tasks.getTask(taskId));
    expect(late.message).toBe('MCP error -32603: Task store unavailable: get did not answer within 200 ms');
    await new Promise((resolve) => setTimeout(resolve, 200));
    answers = {};
    await expect(session.client.experimental.tasks.getTask(taskId)).resolves.toMatchObject({ status: 'completed' });
  });
});
