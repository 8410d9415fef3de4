/**
 * On Redis, a `tasks/result` for a task this instance settled lately, with nothing ever queued for
 * it, is answered from what the settle script returned, in the turn it arrived (issue 14): it took
 * the async reads of the record and the outcome from the store's cache of what it settled, and the
 * queue's mark, 14 turns of the microtask queue or more. What must not change: the same store
 * behind a proxy (a user's wrapper) is read through its own methods; another session's caller is
 * told the task is unknown, and that refusal does not cost the owner its answer.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import type { TaskRecordStore } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { expectAnsweredAtOnce, instantTaskSession } from '../support/countingLink.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function serve(wrap: (store: TaskRecordStore) => TaskRecordStore = (store) => store) {
  const backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix: `tre-${randomBytes(4).toString('hex')}:` });
  open.push(backend);
  const tasks = new TaskSupport({ store: wrap(backend.store), queue: backend.queue, cluster: backend.cluster });
  open.push({ close: () => tasks.close() });
  const connect = () => instantTaskSession(tasks, (close) => void open.push({ close }));
  return { connect };
}

describe('tasks/result on Redis of a task settled here', () => {
  it('is answered within 4 turns of its request, then from Redis when asked again', async () => {
    const session = await (await serve()).connect();
    const { request, create, turnsToAnswer } = session;
    const taskId = await create();
    const answer = await expectAnsweredAtOnce(session, taskId);
    // The cache gave its entry up with the answer: the next call reads Redis, and answers the same.
    const again = await request('tasks/result', { taskId }, true);
    expect(again.result).toEqual(answer.result);
    expect(turnsToAnswer()).toBeGreaterThan(4);
  });

  it('reads a wrapped store through its own methods', async () => {
    let outcomeReads = 0;
    const counted = (store: TaskRecordStore): TaskRecordStore =>
      new Proxy(store, {
        get: (target, property, receiver) => {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'getOutcome' || typeof value !== 'function') return value;
          return (taskId: string) => {
            outcomeReads++;
            return (value as TaskRecordStore['getOutcome']).call(target, taskId);
          };
        },
      });
    const { request, create } = await (await serve(counted)).connect();
    const taskId = await create();
    expect((await request('tasks/result', { taskId })).result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(outcomeReads).toBe(1);
  });

  it("is unknown to another session's caller, and the owner still gets the answer", async () => {
    const { connect } = await serve();
    const alice = await connect();
    const bob = await connect();
    const taskId = await alice.create();
    expect((await bob.request('tasks/result', { taskId })).error).toMatchObject({ code: -32602 });
    expect((await alice.request('tasks/result', { taskId })).result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
  });
});
