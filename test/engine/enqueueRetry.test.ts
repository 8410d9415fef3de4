import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { guardCalls } from '../../src/backends/storeGuard.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import type { EnqueueOptions, OutboxMessage, TaskOutbox } from '../../src/backends/TaskMessageQueue.js';
import { EmptyQueues } from '../../src/engine/EmptyQueues.js';
import { LiveTask } from '../../src/engine/LiveTask.js';
import { TaskPort } from '../../src/engine/TaskPort.js';
import type { TaskPortDeps } from '../../src/engine/TaskPort.js';
import type { TaskSession, TaskSpec } from '../../src/engine/TaskSpec.js';
import { ErrorCode, McpError } from '../../src/wire.js';

// A work's enqueue that the queue could not take (on a Redis Cluster: a slot mid-migration, a
// master failing over) is tried again while the task lives, with the same message object, for
// about a minute (as the task's store writes are), instead of failing the work's elicit or log at
// once. The queue is guarded as TaskSupport guards a backend's, so its failures are "unavailable".

/** An in-memory queue whose enqueue throws while `failing` says so; records each try's message. */
class FlakyQueue extends InMemoryTaskOutbox {
  tries: OutboxMessage[] = [];
  constructor(public failing: (tryNumber: number) => Error | undefined) {
    super();
  }
  override async enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number> {
    this.tries.push(message);
    const error = this.failing(this.tries.length);
    if (error) throw error;
    return super.enqueue(taskId, message, options);
  }
}

function setUp(failing: (tryNumber: number) => Error | undefined) {
  const flaky = new FlakyQueue(failing);
  const logger = { error: vi.fn() };
  const queue: TaskOutbox = guardCalls<TaskOutbox>(flaky, { component: 'queue', timeoutMs: 1000, logger });
  let next = 0;
  const deps: TaskPortDeps = {
    queue,
    take: (taskId) => queue.dequeueAll(taskId),
    logger: { warn: vi.fn() },
    maxQueuedNotifications: undefined,
    nextRequestId: (taskId) => `${taskId}-r${++next}`,
    send: vi.fn(),
    answer: vi.fn(),
    follow: vi.fn(),
    emptyQueues: new EmptyQueues(),
  };
  // A tasks/result is open (attached): nothing is pushed on the session's stream, all goes through the queue.
  const session = {
    clientCapabilities: () => ({ elicitation: {} }),
    notify: vi.fn(() => Promise.resolve(false)),
  } as unknown as TaskSession;
  const live = new LiveTask({ session } as unknown as TaskSpec);
  live.attached = 1;
  return { flaky, deps, live, logger, port: new TaskPort(deps, 't1', live) };
}

const elicit = { message: 'Name?', requestedSchema: { type: 'object', properties: {} } };
const outage = (): Error => new Error('CLUSTERDOWN / TRYAGAIN');

afterEach(() => {
  vi.useRealTimers();
});

describe('a work whose enqueue the queue could not take', () => {
  it('asks once the queue takes it, every try with the same message, and gets its answer', async () => {
    const { flaky, deps, live, logger, port } = setUp((n) => (n <= 3 ? outage() : undefined));
    const answer = port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(deps.send).toHaveBeenCalledWith('t1', { type: 'input.request', requestId: 't1-r1' }), { timeout: 3000 });
    expect(flaky.tries).toHaveLength(4);
    expect(new Set(flaky.tries).size).toBe(1);
    expect(logger.error).toHaveBeenCalledTimes(3);
    expect((await flaky.outstanding('t1')).map((r) => r.requestId)).toEqual(['t1-r1']);
    expect((await flaky.dequeueAll('t1')).map((m) => m.kind)).toEqual(['request']);
    live.pendingInput('t1-r1')!.resolve({ action: 'decline' });
    await expect(answer).resolves.toEqual({ action: 'decline' });
  });

  it('sends a log line once the queue takes it, the same message every try', async () => {
    const { flaky, port } = setUp((n) => (n <= 2 ? outage() : undefined));
    await port.tell({ method: 'notifications/message', params: { level: 'info', data: 'x' } });
    expect(flaky.tries).toHaveLength(3);
    expect(new Set(flaky.tries).size).toBe(1);
    const queued = await flaky.dequeueAll('t1');
    expect(queued.map((m) => m.kind === 'notification' && m.message.params?.['data'])).toEqual(['x']);
  });

  it('gives up after about a minute, as a store write does: the ask fails with the queue error and no longer waits', async () => {
    vi.useFakeTimers();
    const { flaky, deps, live, port } = setUp(outage);
    const answer = port.ask('elicitation/create', elicit, z.unknown());
    let outcome: unknown = 'waiting';
    answer.then(
      () => (outcome = 'answered'),
      (error: unknown) => (outcome = error),
    );
    await vi.advanceTimersByTimeAsync(55_000);
    expect(outcome).toBe('waiting');
    await vi.advanceTimersByTimeAsync(6_000);
    expect(outcome).toBeInstanceOf(McpError);
    expect((outcome as McpError).message).toContain('Task queue unavailable: enqueue failed');
    // Tried at most every 500 ms, not in a tight loop; never asked, nothing left waiting.
    expect(flaky.tries.length).toBeGreaterThan(100);
    expect(flaky.tries.length).toBeLessThan(130);
    expect(deps.send).not.toHaveBeenCalled();
    expect(live.hasInputs).toBe(false);
  });

  it('stops trying once the task ends (a cancel aborts the work)', async () => {
    const { flaky, port, live } = setUp(outage);
    const answer = port.ask('elicitation/create', elicit, z.unknown());
    answer.catch(() => {});
    await vi.waitFor(() => expect(flaky.tries.length).toBeGreaterThanOrEqual(2));
    live.abortWork();
    await expect(answer).rejects.toThrow('Task queue unavailable: enqueue failed');
    const tries = flaky.tries.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(flaky.tries.length).toBe(tries);
  });

  it('fails at once on an error the queue meant (an McpError), as before', async () => {
    const { flaky, port } = setUp(() => new McpError(ErrorCode.InvalidParams, 'too large'));
    await expect(port.ask('elicitation/create', elicit, z.unknown())).rejects.toThrow('too large');
    await expect(port.tell({ method: 'notifications/message', params: { level: 'info', data: 'x' } })).rejects.toThrow('too large');
    expect(flaky.tries).toHaveLength(2);
  });
});
