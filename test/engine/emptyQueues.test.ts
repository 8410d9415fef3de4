// A task that ended here with nothing ever queued is answered without reading its queue (on Redis,
// one round trip of a lifecycle's three, issue 14); a task whose work queued anything, even after
// its end or without awaiting it, still has its queue read.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { EmptyQueues } from '../../src/engine/EmptyQueues.js';
import type { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { RunContext, TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

describe('EmptyQueues', () => {
  it('answers a task once: a second take reads the queue', () => {
    const known = new EmptyQueues();
    known.add('t1');
    expect(known.take('t1')).toBe(true);
    expect(known.take('t1')).toBe(false);
    expect(known.take('never-added')).toBe(false);
  });

  it('forgets a deleted task', () => {
    const known = new EmptyQueues();
    known.add('t1');
    known.delete('t1');
    expect(known.take('t1')).toBe(false);
  });

  it('keeps a task through one more generation (30 to 60 s), not two', () => {
    const known = new EmptyQueues();
    const t0 = 1_000_000;
    known.add('old', t0);
    known.add('a', t0 + 29_999);
    known.add('b', t0 + 30_000); // rotates: 'old' and 'a' are the previous generation now
    expect(known.take('old')).toBe(true);
    known.add('c', t0 + 60_000); // rotates again: 'a' is gone
    expect(known.take('a')).toBe(false);
    expect(known.take('b')).toBe(true);
    expect(known.take('c')).toBe(true);
  });

  it('holds at most two generations of 10,000 tasks however fast tasks end', () => {
    const known = new EmptyQueues();
    for (let i = 0; i < 25_000; i++) known.add(`t${i}`, 0);
    expect(known.take('t0')).toBe(false);
    expect(known.take('t9999')).toBe(false);
    expect(known.take('t10000')).toBe(true);
    expect(known.take('t24999')).toBe(true);
  });
});

afterEach(closeTestEngines);

function setup(store = new InMemoryTaskRecordStore()) {
  const { engine, queue } = testEngine(store);
  const dequeueAll = vi.spyOn(queue, 'dequeueAll');
  return { engine, queue, dequeueAll };
}

/** A task whose session has no stream for notifications now: what its work sends is queued for tasks/result. */
function spec(run: TaskSpec['run']): TaskSpec {
  return {
    owner: 'alice',
    session: {
      clientCapabilities: () => ({ elicitation: { form: {} } }),
      notify: () => Promise.resolve(false),
      statusChanged: () => Promise.resolve(),
    },
    run,
  };
}

const DONE: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

async function ended(engine: TaskEngine, taskId: string, status = 'completed'): Promise<void> {
  await vi.waitFor(async () => expect((await engine.get(taskId, 'alice')).status).toBe(status));
}

describe('the queue of a task that ended here', () => {
  it('is not read when nothing was ever queued, and is read by a second take', async () => {
    const { engine, dequeueAll } = setup();
    const { taskId } = await engine.start(spec(() => DONE));
    await ended(engine, taskId);
    expect(await engine.storage.takeMessages(taskId)).toEqual([]);
    expect(dequeueAll).not.toHaveBeenCalled();
    expect(await engine.storage.takeMessages(taskId)).toEqual([]);
    expect(dequeueAll).toHaveBeenCalledTimes(1);
  });

  it('is read, with what it holds, when the work notified without awaiting it and returned at once', async () => {
    const { engine, dequeueAll } = setup();
    const { taskId } = await engine.start(
      spec((context: RunContext) => {
        void context.log('info', 'on the way out');
        return DONE;
      }),
    );
    await ended(engine, taskId);
    const messages = await engine.storage.takeMessages(taskId);
    expect(dequeueAll).toHaveBeenCalledTimes(1);
    expect(messages).toMatchObject([
      { kind: 'notification', message: { method: 'notifications/message', params: { data: 'on the way out' } } },
    ]);
  });

  it('is read when the work queues after its task was cancelled (it still runs)', async () => {
    const { engine, dequeueAll } = setup();
    let notify: (() => Promise<void>) | undefined;
    const { taskId } = await engine.start(
      spec(
        (context: RunContext) =>
          new Promise<CallToolResult>(() => {
            notify = () => context.log('info', 'after the cancel');
          }),
      ),
    );
    await engine.cancel(taskId, 'alice');
    await notify!();
    const messages = await engine.storage.takeMessages(taskId);
    expect(dequeueAll).toHaveBeenCalledTimes(1);
    expect(messages).toMatchObject([{ kind: 'notification', message: { params: { data: 'after the cancel' } } }]);
  });

  it('is read for a task that asked for input', async () => {
    const { engine, dequeueAll } = setup();
    const { taskId } = await engine.start(
      spec((context: RunContext) => {
        context.elicit({ mode: 'form', message: 'name?', requestedSchema: { type: 'object', properties: {} } }).catch(() => {});
        return DONE;
      }),
    );
    await ended(engine, taskId);
    await engine.storage.takeMessages(taskId);
    expect(dequeueAll).toHaveBeenCalledTimes(1);
  });

  it("is read when the store refused this instance's end (another runner took the task over and may have queued)", async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine, dequeueAll } = setup(store);
    const settle = store.settle.bind(store);
    // Another runner stores its end first: this instance's settle is refused, as a fenced one is.
    store.settle = async (taskId, status, statusMessage, outcome) => {
      await settle(taskId, status, statusMessage, outcome);
      return undefined;
    };
    const { taskId } = await engine.start(spec(() => DONE));
    await ended(engine, taskId);
    await vi.waitFor(() => expect(engine.liveTaskCount).toBe(0));
    await engine.storage.takeMessages(taskId);
    expect(dequeueAll).toHaveBeenCalledTimes(1);
  });
});

describe('the queue of a cancelled task', () => {
  it('is cleared when the work queued something: a later tasks/result gets none of it', async () => {
    const { engine, queue } = setup();
    const clear = vi.spyOn(queue, 'clear');
    let queued!: () => void;
    const logged = new Promise<void>((resolve) => (queued = resolve));
    const { taskId } = await engine.start(
      spec(async (context: RunContext) => {
        await context.log('info', 'before the cancel');
        queued();
        return new Promise<CallToolResult>(() => {});
      }),
    );
    await logged;
    expect(queue.size).toBe(1);
    await engine.cancel(taskId, 'alice');
    await vi.waitFor(() => expect(engine.liveTaskCount).toBe(0));
    expect(clear).toHaveBeenCalledWith(taskId);
    expect(queue.size).toBe(0);
    expect(await engine.storage.takeMessages(taskId)).toEqual([]);
  });

  it('is not cleared when nothing was ever queued (on Redis, a round trip per cancel)', async () => {
    const { engine, queue } = setup();
    const clear = vi.spyOn(queue, 'clear');
    const { taskId } = await engine.start(spec(() => new Promise<CallToolResult>(() => {})));
    await engine.cancel(taskId, 'alice');
    await vi.waitFor(() => expect(engine.liveTaskCount).toBe(0));
    expect(clear).not.toHaveBeenCalled();
    expect(await engine.storage.takeMessages(taskId)).toEqual([]);
  });
});
