// CPU per tasks/cancel (issue 14): each turn of the microtask queue between the cancel's store read
// and its answer is a promise job or two per cancel. The cancel read the record through `get` (an
// async call of its own), and the settle's write waited a `then` on the task's already settled
// write chain, resolved with the write's own promise (two turns more), then an async retry wrapper.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import type { TaskRecord } from '../../src/types.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(() => closeTestEngines());

/** A task whose work runs until its signal aborts. */
function hanging(ttl = 60_000): TaskSpec {
  return {
    owner: 'alice',
    ttl,
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(true), statusChanged: () => Promise.resolve() },
    run: ({ signal }) =>
      new Promise<CallToolResult>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
}

/** From now on, each `get` of the store starts counting turns of the microtask queue once its promise is handed back. */
function countTurns(store: InMemoryTaskRecordStore): () => number {
  let turns = 0;
  const get = store.get.bind(store);
  store.get = (taskId: string): Promise<TaskRecord | undefined> => {
    const read = get(taskId);
    turns = 0;
    const tick = (): void => {
      turns++;
      if (turns < 100) queueMicrotask(tick);
    };
    queueMicrotask(tick);
    return read;
  };
  return () => turns;
}

describe('TaskEngine.cancel of a task running here, in memory', () => {
  it("answers at most 7 turns of the microtask queue after the store's read", async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    const turns = countTurns(store);
    const answer = await engine.cancel(taskId, 'alice');
    const taken = turns();
    expect(answer).toMatchObject({ taskId, status: 'cancelled', statusMessage: 'Cancelled by the client' });
    expect(await store.get(taskId)).toEqual(answer);
    // 11 before: get's own async call, the `then` on the settled write chain (resolved with the
    // write's promise), and the async retry wrapper around a write that succeeds first time.
    expect(taken).toBeLessThanOrEqual(7);
  });

  it('still answers not found, for another owner and past the ttl, and refuses a task already ended', async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    await expect(engine.cancel(taskId, 'bob')).rejects.toMatchObject({ code: -32602, message: expect.stringContaining(taskId) });
    await engine.cancel(taskId, 'alice');
    await expect(engine.cancel(taskId, 'alice')).rejects.toMatchObject({
      code: -32602,
      message: `Cannot cancel task ${taskId}: it is already cancelled`,
    });
    await expect(engine.cancel('no-such-task', 'alice')).rejects.toMatchObject({ code: -32602 });
    const short = await engine.start(hanging(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(engine.cancel(short.taskId, 'alice')).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining(short.taskId),
    });
  });
});
