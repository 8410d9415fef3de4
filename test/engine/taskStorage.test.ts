import { describe, expect, it, vi } from 'vitest';
import type { QueuedMessage, QueuedRequest, TaskMessageQueue } from '../../src/backends/TaskMessageQueue.js';
import type { TaskStore } from '../../src/backends/TaskStore.js';
import { TaskStorage, isPastTtl, putBackUnanswered } from '../../src/engine/taskStorage.js';
import type { TaskPage, TaskRecord } from '../../src/types.js';

// What protocols read and move through `engine.storage`: tasks past their ttl hidden from lists,
// a missing outcome, and the best-effort put-back of delivered but unanswered requests.

const created = Date.parse('2026-01-01T00:00:00.000Z');
const record = (taskId: string, ttl: number): TaskRecord => ({
  taskId,
  owner: 'o',
  status: 'working',
  createdAt: new Date(created).toISOString(),
  lastUpdatedAt: new Date(created).toISOString(),
  ttl,
  pollInterval: 100,
});
const request = (requestId: string): QueuedRequest => ({
  kind: 'request',
  requestId,
  message: { jsonrpc: '2.0', id: requestId, method: 'elicitation/create' },
});

describe('task storage', () => {
  it('counts a task as past its ttl from the very millisecond of its deadline', () => {
    expect(isPastTtl(record('t', 1000), created + 999)).toBe(false);
    expect(isPastTtl(record('t', 1000), created + 1000)).toBe(true);
  });

  it("lists an owner's tasks without those past their ttl, and a page without any as it is", async () => {
    const page: TaskPage = { tasks: [record('old', 1), record('new', 10 * 365 * 24 * 3600_000)], nextCursor: 'c' };
    const list = vi.fn(() => Promise.resolve(page));
    const storage = new TaskStorage({ list } as unknown as TaskStore, {} as TaskMessageQueue, { error: vi.fn() });
    const listed = await storage.list('o', 'cur', 5);
    expect(list).toHaveBeenCalledWith('o', 'cur', 5);
    expect(listed).toEqual({ tasks: [page.tasks[1]], nextCursor: 'c' });
    const fresh = { tasks: [page.tasks[1]!] };
    list.mockResolvedValueOnce(fresh);
    expect(await storage.list('o', undefined, 5)).toBe(fresh);
  });

  it('fails with -32603 naming the task when a terminal task has no stored outcome', async () => {
    const store = { getOutcome: () => Promise.resolve(undefined) } as unknown as TaskStore;
    const storage = new TaskStorage(store, {} as TaskMessageQueue, { error: vi.fn() });
    await expect(storage.outcome('t9')).rejects.toMatchObject({ code: -32603, message: 'Task t9 has no stored outcome' });
  });

  it('puts back only the delivered requests still unanswered, and writes nothing when none is', async () => {
    const requeued: QueuedMessage[][] = [];
    const queue = {
      isOutstanding: (_: string, requestId: string) => Promise.resolve(requestId !== 'answered'),
      requeue: (_: string, messages: QueuedMessage[]) => Promise.resolve(void requeued.push(messages)),
    } as unknown as TaskMessageQueue;
    const logger = { error: vi.fn() };
    await putBackUnanswered(queue, logger, 't1', [request('a'), request('answered'), request('b')]);
    expect(requeued).toEqual([[request('a'), request('b')]]);
    await new TaskStorage({} as TaskStore, queue, logger).putBack('t1', [request('answered')]);
    expect(requeued).toHaveLength(1);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('answers a put-back of nothing at once: one shared settled promise, no queue call', async () => {
    const queue = { isOutstanding: vi.fn(), requeue: vi.fn() };
    const storage = new TaskStorage({} as TaskStore, queue as unknown as TaskMessageQueue, { error: vi.fn() });
    // The same promise for two tasks: no async frame made per call (an async function makes one each).
    const first = storage.putBack('t1', []);
    expect(storage.putBack('t2', [])).toBe(first);
    await expect(first).resolves.toBeUndefined();
    expect(queue.isOutstanding).not.toHaveBeenCalled();
    expect(queue.requeue).not.toHaveBeenCalled();
  });

  it('logs a put-back the queue fails, without rejecting', async () => {
    const failure = new Error('store away');
    const queue = { isOutstanding: () => Promise.reject(failure) } as unknown as TaskMessageQueue;
    const logger = { error: vi.fn() };
    await expect(putBackUnanswered(queue, logger, 't1', [request('a')])).resolves.toBeUndefined();
    expect(logger.error).toHaveBeenCalledWith(
      'mcp-task-actors: could not put back the requests of task t1 for the next tasks/result',
      failure,
    );
  });

  it("passes its reads and queue moves through to the engine's store and queue", async () => {
    const calls: unknown[][] = [];
    const record =
      (name: string, result: unknown) =>
      (...args: unknown[]) => {
        calls.push([name, ...args]);
        return Promise.resolve(result);
      };
    const store = { get: record('get', 'rec'), waitForTerminal: record('waitForTerminal', undefined) } as unknown as TaskStore;
    const queue = {
      waitForMessage: record('waitForMessage', undefined),
      dequeueAll: record('dequeueAll', ['m']),
      requeue: record('requeue', undefined),
      isOutstanding: record('isOutstanding', true),
      outstanding: record('outstanding', ['r']),
    } as unknown as TaskMessageQueue;
    const storage = new TaskStorage(store, queue, { error: vi.fn() });
    const signal = new AbortController().signal;
    expect(await storage.find('t1')).toBe('rec');
    await storage.waitForTerminal('t1', signal);
    await storage.waitForMessage('t1', signal, { listenOnly: true });
    expect(await storage.takeMessages('t1')).toEqual(['m']);
    await storage.returnMessages('t1', [request('a')]);
    expect(await storage.isOutstanding('t1', 'a')).toBe(true);
    expect(await storage.outstanding('t1')).toEqual(['r']);
    await storage.putBack('t1', [request('b')]);
    expect(calls).toEqual([
      ['get', 't1'],
      ['waitForTerminal', 't1', signal, undefined],
      ['waitForMessage', 't1', signal, { listenOnly: true }],
      ['dequeueAll', 't1'],
      ['requeue', 't1', [request('a')]],
      ['isOutstanding', 't1', 'a'],
      ['outstanding', 't1'],
      ['isOutstanding', 't1', 'b'],
      ['requeue', 't1', [request('b')]],
    ]);
  });
});
