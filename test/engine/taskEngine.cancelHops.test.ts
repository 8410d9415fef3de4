// CPU per tasks/cancel (issue 14): each turn of the microtask queue between the cancel's store read
// and its answer is a promise job or two per cancel. The cancel read the record through `get` (an
// async call of its own), and the settle's write waited a `then` on the task's already settled
// write chain, resolved with the write's own promise (two turns more), then an async retry wrapper.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { countTurns, hanging } from '../support/cancelProbes.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(() => closeTestEngines());

describe('TaskEngine.cancel of a task running here, in memory', () => {
  it("answers at most 6 turns of the microtask queue after the store's read, its bookkeeping gone by then", async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine, release } = testEngine(store);
    const { taskId } = await engine.start(hanging());
    const turns = countTurns(store);
    const answer = await engine.cancel(taskId, 'alice');
    const taken = turns();
    expect(answer).toMatchObject({ taskId, status: 'cancelled', statusMessage: 'Cancelled by the client' });
    expect(await store.get(taskId)).toEqual(answer);
    // The task's slot is given back and its bookkeeping forgotten before the cancel answers.
    expect(release).toHaveBeenCalledTimes(1);
    expect(engine.liveTaskCount).toBe(0);
    // 11, then 7 before: get's own async call, the `then` on the settled write chain (resolved with
    // the write's promise), the async retry wrapper around a write that succeeds first time, and
    // the retire's `then` on the task's write chain after its last write.
    expect(taken).toBeLessThanOrEqual(6);
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
