import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InMemoryTaskStore, TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { rpcError } from '../support/session.js';

/**
 * A logger whose sink is down: every call throws. What the library logs on a failure path (a store
 * that throws or stalls) must still end as the request's answer, never as an unhandled rejection
 * or an uncaught exception in a timer, either of which ends a Node process.
 */
const throwing = {
  calls: 0,
  warn(): void {
    throwing.calls++;
    throw new Error('log sink down');
  },
  error(): void {
    throwing.calls++;
    throw new Error('log sink down');
  },
};

/** Store calls to fail, by method: `throw`, `stall` (never answers) or `malformed` (a record missing fields). */
const faults = new Map<string, 'throw' | 'stall' | 'malformed'>();

function faulty(store: InMemoryTaskStore): InMemoryTaskStore {
  return new Proxy(store, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const fault = faults.get(String(property));
        if (fault === 'throw') return Promise.reject(new Error('store down at 10.0.0.7'));
        if (fault === 'stall') return new Promise(() => {});
        if (fault === 'malformed') return Promise.resolve({ taskId: args[0] });
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

const escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
let tasks: TaskSupport;
let session: Session;

beforeEach(async () => {
  faults.clear();
  escaped.length = 0;
  throwing.calls = 0;
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  tasks = new TaskSupport({ store: faulty(new InMemoryTaskStore()), storeTimeout: 100, logger: throwing, pollInterval: 10 });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'quick', { taskSupport: 'required', inputSchema: { n: z.number() } }, async () => ({ content: [] }));
  });
});

afterEach(async () => {
  faults.clear();
  await session.close();
  await tasks.close();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

/** Lets timers, rejections and their (absent) handlers run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe("a logger that throws, on the store guard's failure paths", () => {
  it('a store call that throws: the request gets -32603, nothing escapes', async () => {
    faults.set('create', 'throw');
    const error = await rpcError(createTask(session.client, 'quick', { n: 1 }));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('Task store unavailable');
    expect(error.message).not.toContain('10.0.0.7');
    await settle();
    expect(throwing.calls).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
  });

  it('a store call past its deadline: the request gets -32603, nothing escapes from the timer', async () => {
    const task = await createTask(session.client, 'quick', { n: 1 });
    faults.set('get', 'stall');
    const error = await rpcError(session.client.experimental.tasks.getTask(task.taskId));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('did not answer within 100 ms');
    await settle();
    expect(throwing.calls).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
  });

  it('a store that answers malformed: the request gets -32603, nothing escapes', async () => {
    const task = await createTask(session.client, 'quick', { n: 1 });
    faults.set('get', 'malformed');
    const error = await rpcError(session.client.experimental.tasks.getTask(task.taskId));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('malformed answer');
    await settle();
    expect(throwing.calls).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
  });
});
