import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, inject, it } from 'vitest';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../../src/index.js';
import type { TaskRecordStore, TaskSupport } from '../../../src/index.js';
import type { QueuedMessage } from '../../../src/backends/TaskMessageQueue.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/*
 * A terminal task's queue can still hold input requests: a process that died between storing the
 * task's end and clearing its queue (ClusterLink.adopt and WorkerLink.fail did that before they were
 * reordered; cancelUnrun still settles first), a clear that failed, a work that asked as it was
 * cancelled. Its tasks/result asked the client those requests before answering with the result,
 * for a task that can never use the answer. Now they are not sent; notifications queued with them
 * still are. Each leftover is put into the queue through the backend's queue API after the end, as
 * a dying process leaves it.
 */

let backend: RedisTaskBackend | undefined;
let tasks: TaskSupport;
let session: Session;
/** What the client was asked, by message. */
let asked: string[];
let releaseWork: () => void;
/**
 * Runs `during` inside the next call of the store's `method` for `taskId`, once the store did it: a
 * read then answers what it read before `during`, a settle what it stored.
 */
let stretched: { method: 'get' | 'settle'; taskId: string; during: () => Promise<void> } | undefined;

/** The store, its functions bound to it; the call armed through `stretched` is stretched. */
function stretchable(store: TaskRecordStore): TaskRecordStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const call = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
      if (property !== 'get' && property !== 'settle') return call;
      return async (taskId: string, ...rest: unknown[]) => {
        const done = await call(taskId, ...rest);
        const armed = stretched;
        if (armed?.method !== property || armed.taskId !== taskId) return done;
        stretched = undefined;
        await armed.during();
        return done;
      };
    },
  });
}

beforeEach(async () => {
  // The redis projects give their server's address (test/redis/globalSetup.ts); the others none.
  // The stretched read needs the store itself, so this file opens its own backend.
  const redisUrl: string | undefined = inject('redisUrl');
  backend = redisUrl ? await createRedisTaskBackend({ url: redisUrl, prefix: `t${randomBytes(6).toString('hex')}:` }) : undefined;
  const store = backend?.store ?? new InMemoryTaskRecordStore();
  tasks = testTaskSupport({ ...(backend ? { queue: backend.queue, cluster: backend.cluster } : {}), store: stretchable(store) });
  asked = [];
  const gate = deferred();
  releaseWork = () => gate.resolve();
  session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'work', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      // A message of its own: the task's queue is one that was written to (a task that never
      // queued anything is answered without reading its queue).
      await task.log('info', 'started');
      await gate.promise;
      return { content: [{ type: 'text', text: 'done' }] };
    }),
  );
  session.client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: 'decline' };
  });
});

afterEach(async () => {
  releaseWork();
  await session.close();
  await tasks.close();
  await backend?.close();
});

/** What a run that asked and died leaves in its task's queue: a log it sent, then its question. */
async function leaveBehind(taskId: string): Promise<void> {
  const related = { 'io.modelcontextprotocol/related-task': { taskId } };
  const log: QueuedMessage = {
    kind: 'notification',
    message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'left behind', _meta: related } },
  };
  const requestId = `dead-run-${randomBytes(4).toString('hex')}`;
  const params = { message: 'which one?', requestedSchema: { type: 'object', properties: {} }, _meta: related };
  const question: QueuedMessage = {
    kind: 'request',
    requestId,
    message: { jsonrpc: '2.0', id: requestId, method: 'elicitation/create', params },
  };
  await tasks.queue.enqueue(taskId, log);
  await tasks.queue.enqueue(taskId, question);
}

const logged = (): unknown[] =>
  session.notifications.filter((n) => n.method === 'notifications/message').map((n) => (n.params as { data: unknown }).data);

it('tasks/result of a task that ended before the call does not ask its leftover request, and still delivers the notification queued with it', async () => {
  const { taskId } = await createTask(session.client, 'work', {});
  releaseWork();
  await eventually(async () => (await session.client.experimental.tasks.getTask(taskId)).status === 'completed');
  await leaveBehind(taskId);

  expect((await taskResult(session.client, taskId)).content).toEqual([{ type: 'text', text: 'done' }]);
  expect(asked).toEqual([]);
  expect(logged()).toContain('left behind');
  // A later tasks/result asks nothing either.
  expect((await taskResult(session.client, taskId)).content).toEqual([{ type: 'text', text: 'done' }]);
  expect(asked).toEqual([]);
  expect(logged().filter((data) => data === 'left behind')).toHaveLength(1);
});

it('tasks/result that first read the task working does not ask a leftover request once the task has ended', async () => {
  const { taskId } = await createTask(session.client, 'work', {});
  // The call's first read answers `working`; while it is on its way the task ends and a leftover
  // request lands in its queue: the call must tell from a read made as it takes the queue.
  const ended = deferred();
  stretched = {
    method: 'get',
    taskId,
    during: async () => {
      releaseWork();
      const stop = new AbortController();
      await tasks.store.waitForTerminal(taskId, stop.signal);
      await leaveBehind(taskId);
      ended.resolve();
    },
  };
  const result = taskResult(session.client, taskId);
  await ended.promise;
  expect((await result).content).toEqual([{ type: 'text', text: 'done' }]);
  expect(asked).toEqual([]);
  expect(logged()).toContain('left behind');
});

it('tasks/result woken by the end does not ask a request queued as the task ended', async () => {
  const { taskId } = await createTask(session.client, 'work', {});
  const result = taskResult(session.client, taskId);
  // The call waits for the task (its loop read the queue and the record); the leftover lands right
  // after the end is stored, which wakes the call: it must tell the task ended as it takes the queue.
  await eventually(async () => (await session.client.experimental.tasks.getTask(taskId)).status === 'working');
  const ended = deferred();
  stretched = {
    method: 'settle',
    taskId,
    during: async () => {
      await leaveBehind(taskId);
      ended.resolve();
    },
  };
  releaseWork();
  await ended.promise;
  expect((await result).content).toEqual([{ type: 'text', text: 'done' }]);
  expect(asked).toEqual([]);
});
