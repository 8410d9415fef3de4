// tasks/cancel answers with the record its settle stored: the store is read once, for the owner
// and status check before the cancel, not again after it (on Redis, one round trip per cancel).
// It reads again only when there is no such record: the store refused the settle (the task ended
// elsewhere first), or the task is past its ttl by now.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(() => {
  vi.useRealTimers();
  return closeTestEngines();
});

/** A task whose work runs until its signal aborts. */
function hanging(signals: AbortSignal[] = []): TaskSpec {
  return {
    owner: 'alice',
    ttl: 60_000,
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(true), statusChanged: () => Promise.resolve() },
    run: ({ signal }) =>
      new Promise<CallToolResult>((_resolve, reject) => {
        signals.push(signal);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
}

describe('TaskEngine.cancel', () => {
  it('of a task running here reads the store once and answers with the record its settle stored', async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const signals: AbortSignal[] = [];
    const { taskId } = await engine.start(hanging(signals));
    const get = vi.spyOn(store, 'get');
    const settle = vi.spyOn(store, 'settle');
    const answer = await engine.cancel(taskId, 'alice', { reason: 'stop' });
    expect(get).toHaveBeenCalledTimes(1);
    expect(answer).toBe(await settle.mock.results[0]!.value);
    expect(answer).toMatchObject({ taskId, status: 'cancelled', statusMessage: 'stop' });
    expect(await store.get(taskId)).toEqual(answer);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('of a task with no actor here reads the store once and answers with what the store settled', async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    // Its actor gone (as after a crash, or when it runs on another instance); its record still `working`.
    const other = testEngine(store).engine;
    const get = vi.spyOn(store, 'get');
    const answer = await other.cancel(taskId, 'alice', { reason: 'stop' });
    expect(get).toHaveBeenCalledTimes(1);
    expect(answer).toMatchObject({ taskId, status: 'cancelled', statusMessage: 'stop' });
    expect(await store.get(taskId)).toEqual(answer);
  });

  it('reads the store again when its settle was refused: the task that ended elsewhere is not cancelled', async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    const other = testEngine(store).engine;
    const settle = store.settle.bind(store);
    // Another instance completes the task just before this one's settle, which the store refuses.
    store.settle = async (id) => {
      await settle(id, 'completed', undefined, { type: 'result', result: { content: [] } });
      return undefined;
    };
    const get = vi.spyOn(store, 'get');
    await expect(other.cancel(taskId, 'alice')).rejects.toThrow(`Cannot cancel task ${taskId}: it is already completed`);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('reads the store again when the task is past its ttl by the time it ended, and so answers not found', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    const settle = store.settle.bind(store);
    store.settle = async (...args) => {
      const settled = await settle(...args);
      vi.setSystemTime(Date.now() + 60_000);
      return settled;
    };
    const get = vi.spyOn(store, 'get');
    await expect(engine.cancel(taskId, 'alice')).rejects.toThrow(/not found/i);
    expect(get).toHaveBeenCalledTimes(2);
  });
});
