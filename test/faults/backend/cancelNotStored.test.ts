import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InMemoryTaskStore, TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';

// A store that refuses writes (Redis out of memory, a read-only replica) while a running task is
// cancelled. The store writer retries the settle for a minute; the tasks/cancel answer waited all
// that minute, then said -32602 "already working". It now answers -32603 within storeTimeout, the
// work stops, and the cancel lands once the store takes writes again.
const STORE_TIMEOUT = 200;

/** Whether the store's settle refuses, as a store refusing writes does. */
let refuseSettle = false;

function refusingSettles(store: InMemoryTaskStore): InMemoryTaskStore {
  return new Proxy(store, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        property === 'settle' && refuseSettle
          ? Promise.reject(new Error('OOM command not allowed when used memory > maxmemory'))
          : (value as (...a: unknown[]) => unknown).apply(object, args);
    },
  });
}

let tasks: TaskSupport;
let session: Session;
const aborted: string[] = [];

beforeEach(async () => {
  refuseSettle = false;
  aborted.length = 0;
  tasks = new TaskSupport({
    store: refusingSettles(new InMemoryTaskStore()),
    storeTimeout: STORE_TIMEOUT,
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
  });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'waits', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
      aborted.push(key);
      return { content: [] };
    });
  });
});

afterEach(async () => {
  refuseSettle = false;
  await session.close();
  await tasks.close();
});

describe('tasks/cancel of a running task while the store refuses writes', () => {
  it('answers -32603 within storeTimeout, stops the work, and the cancel lands once writes are taken', async () => {
    const task = await createTask(session.client, 'waits', { key: 'a' });
    refuseSettle = true;
    const started = performance.now();
    const error = await rpcError(session.client.experimental.tasks.cancelTask(task.taskId));
    expect(performance.now() - started).toBeLessThan(STORE_TIMEOUT + 2_000);
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toBe(
      `MCP error -32603: Task store unavailable: the cancel of task ${task.taskId} is not stored yet (its work is stopped; the write is retried)`,
    );
    expect(aborted).toEqual(['a']);
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('working');

    refuseSettle = false;
    await eventually(async () => (await session.client.experimental.tasks.getTask(task.taskId)).status === 'cancelled', 5_000);
    const again = await rpcError(session.client.experimental.tasks.cancelTask(task.taskId));
    expect(again.message).toBe(`MCP error -32602: Cannot cancel task ${task.taskId}: it is already cancelled`);
  });

  it('answers at once when the store takes the write', async () => {
    const task = await createTask(session.client, 'waits', { key: 'b' });
    expect((await session.client.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    expect(aborted).toEqual(['b']);
  });
});
