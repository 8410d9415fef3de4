import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../../src/backends/TaskMessageQueue.js';
import { PUT_BACK_RETRY_MS, TaskStorage, putBackUnanswered } from '../../src/engine/taskStorage.js';
import type { TaskStore } from '../../src/backends/TaskStore.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';

/*
 * A tasks/result that ended with a delivered request unanswered puts it back for the next one.
 * Before, one failed try was all: the request stayed outstanding but out of the queue, no later
 * tasks/result asked it, and the task waited for input until its ttl. Now the put-back is tried
 * again with backoff, while the task can still wait for input and for at most PUT_BACK_RETRY_MS.
 */

const request = (requestId: string): QueuedRequest => ({
  kind: 'request',
  requestId,
  message: { jsonrpc: '2.0', id: requestId, method: 'elicitation/create' },
});

/** The in-memory queue whose next `failures` requeues fail once armed (a backend away for a while). */
function failingRequeues(): { queue: InMemoryTaskOutbox; fail(failures: number): void; tries: () => number } {
  const queue = new InMemoryTaskOutbox();
  const requeue = queue.requeue.bind(queue);
  let tries = 0;
  let failing = 0;
  queue.requeue = (taskId, messages) => {
    tries++;
    return failing-- > 0 ? Promise.reject(new Error('queue away')) : requeue(taskId, messages);
  };
  return { queue, fail: (failures) => ((failing = failures), (tries = 0)), tries: () => tries };
}

describe('a put-back that fails', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is tried again, so the next tasks/result asks the unanswered request', async () => {
    const { queue, fail, tries } = failingRequeues();
    const errors: unknown[][] = [];
    const tasks = testTaskSupport({ queue, logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) } });
    const session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
    try {
      const client = session.client;
      let asked = 0;
      // Not answered on the first tasks/result, which ends without it: the request must go back.
      answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
      const task = await createTask(client, 'ask', { key: 'q' });
      const first = new AbortController();
      const unanswered = taskResult(client, task.taskId, { signal: first.signal }).catch(() => undefined);
      await eventually(() => asked === 1);
      fail(2);
      first.abort();
      await unanswered;
      const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
      expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
      expect(asked).toBe(2);
      expect(tries()).toBe(3);
      // Each failed call is logged by the store guard; the put-back's own log says it failed, once.
      expect(errors.map(([message]) => String(message)).filter((message) => message.includes('put'))).toEqual([
        `mcp-task-actors: could not put back the requests of task ${task.taskId} for the next tasks/result`,
      ]);
    } finally {
      await session.close();
      await tasks.close();
    }
  });

  it('stops trying once its engine closed, without saying it gave up (the store away all along)', async () => {
    vi.useFakeTimers();
    const requeue = vi.fn(() => Promise.reject(new Error('queue away')));
    const queue = { isOutstanding: () => Promise.resolve(true), requeue } as unknown as TaskMessageQueue;
    // Away too: the close could not store the task's end, so only the close itself can stop the tries.
    const get = vi.fn(() => Promise.reject(new Error('store away')));
    const store = { get } as unknown as TaskStore;
    const logger = { error: vi.fn() };
    const closing = new AbortController();
    const storage = new TaskStorage(store, queue, logger, undefined, undefined, undefined, closing.signal);
    await storage.putBack('t1', [request('a')]);
    await vi.advanceTimersByTimeAsync(2_000);
    // Each retry first asks the store whether the task still waits (it is away: no requeue).
    const looks = get.mock.calls.length;
    expect(looks).toBeGreaterThan(1);
    closing.abort();
    await vi.advanceTimersByTimeAsync(PUT_BACK_RETRY_MS + 60_000);
    expect(get).toHaveBeenCalledTimes(looks);
    expect(requeue).toHaveBeenCalledTimes(1);
    // Only the first failure is logged: no "gave up" ten minutes later.
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('tries the same put-back again: the same list, less what was answered meanwhile', async () => {
    vi.useFakeTimers();
    const open = new Set(['a', 'b']);
    const tried: (readonly QueuedMessage[])[] = [];
    const snapshots: string[][] = [];
    const queue = {
      isOutstanding: (_: string, requestId: string) => Promise.resolve(open.has(requestId)),
      requeue: (_: string, messages: readonly QueuedMessage[]) => {
        tried.push(messages);
        snapshots.push(messages.map((m) => (m.kind === 'request' ? m.requestId : 'n')));
        return tried.length < 3 ? Promise.reject(new Error('away')) : Promise.resolve();
      },
    } as unknown as TaskMessageQueue;
    const logger = { error: vi.fn() };
    await putBackUnanswered(queue, logger, 't1', [request('a'), request('b')], () => Promise.resolve(Date.now() + 60_000));
    open.delete('a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(snapshots).toEqual([['a', 'b'], ['b'], ['b']]);
    // One array for every try: the Redis queue sends a try again under the failed one's id by it.
    expect(new Set(tried).size).toBe(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('stops once the task can no longer wait for input, and while its store is away keeps trying', async () => {
    vi.useFakeTimers();
    const requeue = vi.fn(() => Promise.reject(new Error('away')));
    const queue = { isOutstanding: () => Promise.resolve(true), requeue } as unknown as TaskMessageQueue;
    // The store: away for the first look, then the task lives, then it has ended.
    const looks = [
      () => Promise.reject(new Error('store away')),
      () => Promise.resolve(Date.now() + 60_000),
      () => Promise.resolve(false as const),
    ];
    let look = 0;
    const live = vi.fn(() => looks[Math.min(look++, looks.length - 1)]!());
    const logger = { error: vi.fn() };
    await putBackUnanswered(queue, logger, 't1', [request('a')], live);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(live).toHaveBeenCalledTimes(3);
    // The first try, then the one after the look that found the task live.
    expect(requeue).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it("stops at the task's ttl, or else after PUT_BACK_RETRY_MS, then logs that it gave up, never rejecting", async () => {
    vi.useFakeTimers();
    const requeue = vi.fn(() => Promise.reject(new Error('away')));
    const queue = { isOutstanding: () => Promise.resolve(true), requeue } as unknown as TaskMessageQueue;
    const logger = { error: vi.fn() };
    const deadline = Date.now() + 30_000;
    await expect(putBackUnanswered(queue, logger, 't1', [request('a')], () => Promise.resolve(deadline))).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    const tries = requeue.mock.calls.length;
    // 100 ms doubling to 5 s: 7 tries in the first 12.7 s, then one every 5 s up to the ttl.
    expect(tries).toBeGreaterThan(8);
    expect(tries).toBeLessThan(14);
    // At its ttl the task waits for nothing: no more tries, nothing to report.
    expect(logger.error).toHaveBeenCalledTimes(1);

    // No deadline known (the store never answered): PUT_BACK_RETRY_MS bounds it.
    requeue.mockClear();
    logger.error.mockClear();
    await expect(
      putBackUnanswered(queue, logger, 't2', [request('a')], () => Promise.reject(new Error('store away'))),
    ).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(PUT_BACK_RETRY_MS - 10_000);
    expect(logger.error).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenLastCalledWith(
      'mcp-task-actors: gave up putting back the requests of task t2 for the next tasks/result: they stay outstanding, unasked',
      new Error('store away'),
    );
    expect(requeue).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(PUT_BACK_RETRY_MS);
    expect(logger.error).toHaveBeenCalledTimes(2);
  });
});
