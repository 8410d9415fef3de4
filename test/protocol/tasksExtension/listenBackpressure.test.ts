/**
 * A task subscription (`subscriptions/listen` with `taskIds`) whose subscriber stops reading while the
 * task changes many times: the sink (`emit`) says its stream is full by returning a promise, and the
 * follow must then hold back, coalescing the changes into the one DetailedTask of the moment the
 * stream has room again. Before, every status change was emitted regardless: a subscriber that never
 * read had one full DetailedTask per change buffered for it, without bound (2,402 of a task's 3,000
 * status messages of 4 KB, about 10 MB, over SDK v2 HTTP with the listen's body never read).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import type { TaskEngine } from '../../../src/engine/TaskEngine.js';
import { listenTasks, openListenCount } from '../../../src/protocol/tasksExtension/listen.js';
import { connectInMemory, deferred, eventually, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

const CHANGES = 200;
const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} } };

let tasks: TaskSupport;
let session: Session;
let gate: ReturnType<typeof deferred<void>>;

beforeEach(async () => {
  tasks = testTaskSupport();
  gate = deferred();
  session = await connectInMemory(tasks, (server) => {
    // Waits at the gate, so the subscription is open before the first change; then changes its status many times.
    tasks.registerTool(server, 'chatty', { taskSupport: 'required' }, async (_args, task) => {
      await gate.promise;
      for (let step = 1; step <= CHANGES; step++) await task.status(`step ${step}`);
      return { content: [{ type: 'text', text: 'done' }] };
    });
  });
});

afterEach(async () => {
  gate.resolve();
  await session.close();
  await tasks.close();
});

/** A 2026-style request that declares the tasks extension. */
function request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return session.client.request({ method, params: { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } } }, z.looseObject({}));
}

/** TaskSupport keeps its engine private; the subscription is started on it as `withTaskSubscriptions` does. */
function engineOf(support: TaskSupport): TaskEngine {
  return (support as unknown as { engine: TaskEngine }).engine;
}

/** A subscriber whose stream is full from the first frame until `drain()`: each emit while full returns the pending room. */
function fullSink(): {
  frames: Record<string, unknown>[];
  emit: (task: Record<string, unknown>) => Promise<void> | undefined;
  drain(): void;
} {
  const frames: Record<string, unknown>[] = [];
  let room: ReturnType<typeof deferred<void>> | undefined = deferred();
  return {
    frames,
    emit: (task) => {
      frames.push(task);
      return room?.promise;
    },
    drain: () => {
      room?.resolve();
      room = undefined;
    },
  };
}

it('emits nothing more while the subscriber’s stream is full, then only the task as it is once there is room', async () => {
  const engine = engineOf(tasks);
  const taskId = (await request('tools/call', { name: 'chatty', arguments: {} }))['taskId'] as string;
  const { owner } = (await engine.storage.find(taskId))!;
  const sink = fullSink();
  const errors: unknown[] = [];
  const subscription = new AbortController();
  const listen = { owner, declared: true, params: { notifications: { taskIds: [taskId] } } };
  expect(await listenTasks(engine, listen, sink.emit, subscription.signal, (error) => errors.push(error))).toEqual([taskId]);
  await eventually(() => sink.frames.length === 1);
  expect(sink.frames[0]).toMatchObject({ taskId, status: 'working' });

  gate.resolve(); // CHANGES status changes, then the end, all while the stream is full
  await eventually(async () => (await request('tasks/get', { taskId }))['status'] === 'completed');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(sink.frames, 'frames emitted into a full stream').toHaveLength(1);

  sink.drain();
  await eventually(() => sink.frames.length === 2);
  expect(sink.frames[1]).toMatchObject({ taskId, status: 'completed', result: { content: [{ type: 'text', text: 'done' }] } });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(sink.frames).toHaveLength(2);
  expect(errors).toEqual([]);
  subscription.abort();
  expect(openListenCount(engine, owner)).toBe(0);
});

it('ends the follow of a full stream when the subscription ends, and emits nothing after', async () => {
  const engine = engineOf(tasks);
  const taskId = (await request('tools/call', { name: 'chatty', arguments: {} }))['taskId'] as string;
  const { owner } = (await engine.storage.find(taskId))!;
  const sink = fullSink();
  const subscription = new AbortController();
  const listen = { owner, declared: true, params: { notifications: { taskIds: [taskId] } } };
  await listenTasks(engine, listen, sink.emit, subscription.signal, () => {});
  await eventually(() => sink.frames.length === 1);
  expect(watched(engine, taskId)).toBe(true);
  subscription.abort(); // the subscriber went away with its stream still full, the task still running
  // The follow is over, its watch of the task gone, without waiting for room that will never come.
  await eventually(() => !watched(engine, taskId));
  expect(openListenCount(engine, owner)).toBe(0);
  gate.resolve();
  await eventually(async () => (await request('tasks/get', { taskId }))['status'] === 'completed');
  sink.drain();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(sink.frames).toHaveLength(1);
});

/** Whether anything watches `taskId` on the engine (a follow does while it runs). */
function watched(engine: TaskEngine, taskId: string): boolean {
  return (engine as unknown as { watchers: { byTask: Map<string, unknown> } }).watchers.byTask.has(taskId);
}
