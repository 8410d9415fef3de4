// A tasks/result for a task that already ended here, with nothing ever queued for it, is answered
// in the turn it arrived (issue 14): it took 14 turns of the microtask queue, every await of a
// store read, a queue read and an outcome read that an in-memory store answers at once. Over
// Streamable HTTP an answer that soon goes out in one write. What must not change: another
// owner's task, or one past its ttl, is still unknown.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTaskRecordStore, TaskSupport } from '../../../src/index.js';
import type { TaskOutcome } from '../../../src/index.js';
import { expectAnsweredAtOnce, instantTaskSession } from '../../support/countingLink.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/**
 * A server with TaskSupport and a bare JSON-RPC client over the in-memory link (each session its own
 * owner); `request` also counts turns of the microtask queue from the request's send to the
 * server's send of its answer.
 */
async function serve(store?: InMemoryTaskRecordStore) {
  // minTtl 1: a task may ask for 30 ms (the default minimum would grant it more). A store given in
  // the options is read through its own methods.
  const tasks = new TaskSupport({ minTtl: 1, ...(store ? { store } : {}) });
  open.push({ close: () => tasks.close() });
  const connect = () => instantTaskSession(tasks, (close) => void open.push({ close }));
  return { connect };
}

describe('tasks/result of a task that already ended here', () => {
  it('is answered within 4 turns of its request, with the outcome and its related-task meta', async () => {
    const session = await (await serve()).connect();
    const { request, create } = session;
    const taskId = await create();
    // 14 turns before: get, reclaim, deliver (takeMessages), answer (outcome), each awaited.
    const answer = await expectAnsweredAtOnce(session, taskId);
    // Asked again, it reads the queue (the first call took the "nothing queued" mark) and answers the same.
    expect((await request('tasks/result', { taskId })).result).toEqual(answer.result);
  });

  it("is unknown to another session's caller and once past its ttl (-32602), as through the store's read", async () => {
    const { connect } = await serve();
    const alice = await connect();
    const bob = await connect();
    const taskId = await alice.create();
    expect((await bob.request('tasks/result', { taskId })).error).toMatchObject({ code: -32602 });
    const short = await alice.create(30);
    await new Promise((r) => setTimeout(r, 40));
    expect((await alice.request('tasks/result', { taskId: short })).error).toMatchObject({ code: -32602 });
    // The owner's own call still gets the answer at once (the refused ones took nothing away).
    expect((await alice.request('tasks/result', { taskId }, true)).result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(alice.turnsToAnswer()).toBeLessThanOrEqual(4);
  });

  it("reads a store passed in through its own getOutcome, even the in-memory store's class", async () => {
    // A user's store made from the in-memory one, which changes what it answers: the quick path
    // (which reads the in-memory entries) must not go around it.
    class Stamped extends InMemoryTaskRecordStore {
      override async getOutcome(taskId: string): Promise<TaskOutcome | undefined> {
        const outcome = await super.getOutcome(taskId);
        return outcome?.type === 'result'
          ? { type: 'result', result: { ...outcome.result, content: [{ type: 'text', text: 'stamped' }] } }
          : outcome;
      }
    }
    const { request, create } = await (await serve(new Stamped())).connect();
    const taskId = await create();
    expect((await request('tasks/result', { taskId })).result).toMatchObject({ content: [{ type: 'text', text: 'stamped' }] });
  });
});
