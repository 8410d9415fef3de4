import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, inject, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import { InMemoryTaskRecordStore } from '../../../src/index.js';
import type { TaskRecord, TaskRecordStore, TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, sleep, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/*
 * A tools/call of the tasks extension cancelled at the last moment, after the server chose to answer
 * with CreateTaskResult but before that answer left: while the task is being stored (a `required`
 * tool) or read back after the promotion (an `optional` one), each a round trip on Redis. The
 * answer is then dropped unsent and the extension has no tasks/list, so nobody can ever learn the
 * task id: as docs/protocols.md says, "the client cancels the tools/call → the task is cancelled
 * and forgotten", not left running to its ttl holding a live-task slot.
 */

const PROMOTE_AFTER = 30;
/** How long the trapped store call takes after the cancel: a round trip the cancel lands in. */
const ROUND_TRIP = 20;
const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} } };

/**
 * Wraps the store so that its next call of one method first cancels the client's tools/call, then
 * takes a round trip longer. Remembers that call's task id for the checks.
 */
class CancelTrap {
  taskId: string | undefined;
  private armed: { method: 'create' | 'get'; cancel: () => void; passed: () => void } | undefined;

  /** Resolves once the trapped call has returned: the server is past it (the client heard of the cancel long before). */
  arm(method: 'create' | 'get', cancel: () => void): Promise<void> {
    return new Promise((passed) => (this.armed = { method, cancel, passed }));
  }

  wrap(store: TaskRecordStore): TaskRecordStore {
    return new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        // Called on the store itself, not the proxy (a store may keep private fields).
        const call = (args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
        const armed = this.armed;
        if (property !== armed?.method) return (...args: unknown[]) => call(args);
        return async (...args: unknown[]) => {
          this.armed = undefined;
          const [first] = args;
          this.taskId = typeof first === 'string' ? first : (first as TaskRecord).taskId;
          armed.cancel();
          await sleep(ROUND_TRIP);
          try {
            return await call(args);
          } finally {
            armed.passed();
          }
        };
      },
    });
  }
}

let backend: RedisTaskBackend | undefined;
let store: TaskRecordStore;
let trap: CancelTrap;
let tasks: TaskSupport;
let session: Session;
/** The tools whose work was aborted. */
let aborted: string[];

beforeEach(async () => {
  // The redis projects provide their server's address (test/redis/globalSetup.ts); the others none.
  // The trap needs the store itself, so this file opens its own backend rather than the harness's
  // (on redis-workers too: a test that brings its store is not split onto a worker).
  const redisUrl: string | undefined = inject('redisUrl');
  backend = redisUrl ? await createRedisTaskBackend({ url: redisUrl, prefix: `t${randomBytes(6).toString('hex')}:` }) : undefined;
  store = backend?.store ?? new InMemoryTaskRecordStore();
  trap = new CancelTrap();
  aborted = [];
  tasks = testTaskSupport({
    ...(backend ? { queue: backend.queue, cluster: backend.cluster } : {}),
    store: trap.wrap(store),
    promoteAfter: PROMOTE_AFTER,
  });
  session = await connectInMemory(tasks, (server) => {
    for (const taskSupport of ['optional', 'required'] as const) {
      tasks.registerTool(server, taskSupport, { taskSupport }, async (_args, task): Promise<CallToolResult> => {
        await new Promise<void>((resolve) => task.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted.push(taskSupport);
        return { content: [] };
      });
    }
  });
});

afterEach(async () => {
  await session.close();
  await tasks.close();
  await backend?.close();
});

/** Calls `name` as an extension client that gives up on the call when the server next calls `method` on the store. */
async function cancelledOn(method: 'create' | 'get', name: string): Promise<void> {
  const controller = new AbortController();
  const passed = trap.arm(method, () => controller.abort(new Error('caller left')));
  const call = session.client.request(
    { method: 'tools/call', params: { name, arguments: {}, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } } },
    z.looseObject({}),
    { signal: controller.signal },
  );
  await expect(call).rejects.toThrow('caller left');
  await passed;
}

/** What is left of the trapped task: live actors on this server and its stored status. */
async function leftBehind(): Promise<{ liveTaskActors: number; stored: string | undefined }> {
  return { liveTaskActors: tasks.liveTaskActors, stored: (await store.get(trap.taskId!))?.status };
}

it('an optional tool: a tools/call cancelled while its promotion is read back cancels the work and forgets the task', async () => {
  // The first store read of the task is the promotion's, after promoteAfter, with the work running.
  await cancelledOn('get', 'optional');
  await expect.poll(leftBehind, { timeout: 3000 }).toEqual({ liveTaskActors: 0, stored: undefined });
  expect(aborted).toEqual(['optional']);
});

it('a required tool: a tools/call cancelled while its task is stored cancels and forgets the task', async () => {
  await cancelledOn('create', 'required');
  await expect.poll(leftBehind, { timeout: 3000 }).toEqual({ liveTaskActors: 0, stored: undefined });
  // Whether the work started before the cancel is a matter of timing; it is not running now.
  expect(aborted.length).toBeLessThanOrEqual(1);
});
