import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EmptyQueues } from '../../src/engine/EmptyQueues.js';
import { InMemoryTaskMessageQueue } from '../../src/backends/InMemoryTaskMessageQueue.js';
import type { QueuedMessage, QueuedRequest } from '../../src/backends/TaskMessageQueue.js';
import { LiveTask } from '../../src/engine/LiveTask.js';
import { polled, TaskPort } from '../../src/engine/TaskPort.js';
import type { TaskPortDeps } from '../../src/engine/TaskPort.js';
import type { TaskSession, TaskSpec } from '../../src/engine/TaskSpec.js';
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';

// A task's port over a real in-memory queue and a recording session: what goes out on the
// session's stream when no tasks/result carries the task, in what order, and what goes back to
// the queue for the next tasks/result (TaskPort's pushQueued and tell).

function notification(n: number): QueuedMessage {
  return { kind: 'notification', message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: n } } };
}

function setUp(session: Partial<TaskSession>, maxQueuedNotifications?: number) {
  const queue = new InMemoryTaskMessageQueue();
  let next = 0;
  const deps: TaskPortDeps = {
    queue,
    take: (taskId) => queue.dequeueAll(taskId),
    logger: { warn: vi.fn() },
    answer: vi.fn(),
    maxQueuedNotifications,
    nextRequestId: (taskId) => `${taskId}-r${++next}`,
    send: vi.fn(),
    follow: vi.fn(),
    emptyQueues: new EmptyQueues(),
  };
  const fullSession: TaskSession = {
    clientCapabilities: () => ({ elicitation: {} }),
    notify: vi.fn(() => Promise.resolve(true)),
    statusChanged: () => Promise.resolve(),
    ...session,
  };
  const live = new LiveTask({ session: fullSession } as unknown as TaskSpec);
  return { queue, deps, live, session: fullSession, port: new TaskPort(deps, 't1', live) };
}

const elicit = { message: 'Name?', requestedSchema: { type: 'object', properties: {} } };

describe("a task's port with no tasks/result open", () => {
  it('pushes what was queued before the request, oldest first, and skips a request already answered', async () => {
    const sent: unknown[] = [];
    const { queue, port, session } = setUp({
      notify: vi.fn((message: ServerNotification) => (sent.push(message.params), Promise.resolve(true))),
      request: vi.fn((_taskId: string, request: QueuedRequest) => (sent.push(request.requestId), Promise.resolve(true))),
    });
    await queue.enqueue('t1', notification(1));
    // Delivered by an earlier tasks/result, answered, then put back with what that call left: in
    // the queue, no longer outstanding.
    const old: QueuedMessage = { kind: 'request', requestId: 'old', message: { jsonrpc: '2.0', id: 'old', method: 'elicitation/create' } };
    await queue.enqueue('t1', old);
    const taken = await queue.dequeueAll('t1');
    await queue.resolve('t1', 'old');
    await queue.requeue('t1', taken);
    await queue.enqueue('t1', notification(2));
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent).toEqual([{ level: 'info', data: 1 }, { level: 'info', data: 2 }, 't1-r1']);
    expect(session.request).toHaveBeenCalledTimes(1);
    expect(await queue.dequeueAll('t1')).toEqual([]);
  });

  it('puts back what could not be sent and everything after it, in order, for the next tasks/result', async () => {
    const { queue, port, session } = setUp({
      // The stream is gone after the first notification.
      notify: vi.fn((message: ServerNotification) => Promise.resolve((message.params as { data: number }).data === 1)),
      request: vi.fn(() => Promise.resolve(true)),
    });
    await queue.enqueue('t1', notification(1));
    await queue.enqueue('t1', notification(2));
    await queue.enqueue('t1', notification(3));
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(session.notify).toHaveBeenCalledTimes(2));
    await vi.waitFor(async () => expect((await queue.outstanding('t1')).map((r) => r.requestId)).toEqual(['t1-r1']));
    const left = await queue.dequeueAll('t1');
    expect(left.map((m) => (m.kind === 'request' ? m.requestId : (m.message.params as { data: number }).data))).toEqual([2, 3, 't1-r1']);
    expect(session.request).not.toHaveBeenCalled();
  });

  it('stops pushing once a tasks/result opens meanwhile: the rest stays queued for it', async () => {
    const { queue, port, live, session } = setUp({
      notify: vi.fn(() => {
        live.attached = 1;
        return Promise.resolve(true);
      }),
      request: vi.fn(() => Promise.resolve(true)),
    });
    await queue.enqueue('t1', notification(1));
    await queue.enqueue('t1', notification(2));
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(async () => expect((await queue.outstanding('t1')).length).toBe(1));
    await vi.waitFor(async () => {
      const left = await queue.dequeueAll('t1');
      expect(left.map((m) => m.kind)).toEqual(['notification', 'request']);
    });
    expect(session.notify).toHaveBeenCalledTimes(1);
    expect(session.request).not.toHaveBeenCalled();
  });

  it('logs, and still waits for the answer, when pushing the request fails', async () => {
    const { port, deps } = setUp({ request: vi.fn(() => Promise.reject(new Error('stream broke'))) });
    const answer = port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(deps.logger.warn).toHaveBeenCalledTimes(1));
    expect(vi.mocked(deps.logger.warn).mock.calls[0]![0]).toBe(
      "mcp-task-actors: could not send the input request of task t1 on the session's stream",
    );
    expect(deps.send).toHaveBeenCalledWith('t1', { type: 'input.request', requestId: 't1-r1' });
    const settled = await Promise.race([answer.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
    expect(settled).toBe('waiting');
  });
});

describe("a task's port on a session whose stream can overtake the CreateTaskResult (Streamable HTTP)", () => {
  it("keeps what the work asked queued until the task's session polls the task, then pushes it once; later asks go at once", async () => {
    const { queue, port, live, deps, session } = setUp({ request: vi.fn(() => Promise.resolve(true)), reorders: () => true });
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(deps.send).toHaveBeenCalledWith('t1', { type: 'input.request', requestId: 't1-r1' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(session.request).not.toHaveBeenCalled();
    const queued = await queue.dequeueAll('t1');
    expect(queued.map((m) => m.kind === 'request' && m.requestId)).toEqual(['t1-r1']);
    await queue.requeue('t1', queued);

    await polled(deps, 't1', live);
    expect(session.request).toHaveBeenCalledTimes(1);
    expect(await queue.dequeueAll('t1')).toEqual([]);
    await polled(deps, 't1', live);
    expect(session.request).toHaveBeenCalledTimes(1);

    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(session.request).toHaveBeenCalledTimes(2));
  });

  it('pushes at once where the stream cannot overtake (in memory, stdio)', async () => {
    const { port, session } = setUp({ request: vi.fn(() => Promise.resolve(true)), reorders: () => false });
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(() => expect(session.request).toHaveBeenCalledTimes(1));
  });
});

describe("a task's port, what it asks", () => {
  it("keeps the caller's _meta beside the related task, and queues without pushing while a tasks/result is open", async () => {
    const { queue, port, live, session } = setUp({ request: vi.fn(() => Promise.resolve(true)) });
    live.attached = 1;
    void port.ask('elicitation/create', { ...elicit, _meta: { mine: 1 } }, z.unknown());
    await vi.waitFor(async () => expect((await queue.outstanding('t1')).length).toBe(1));
    const [queued] = await queue.dequeueAll('t1');
    expect(queued?.kind === 'request' && queued.message.params?.['_meta']).toEqual({
      mine: 1,
      'io.modelcontextprotocol/related-task': { taskId: 't1' },
    });
    expect(session.request).not.toHaveBeenCalled();
  });

  it('queues without pushing where the session has no stream for requests (the tasks extension)', async () => {
    const { queue, port, deps } = setUp({});
    void port.ask('elicitation/create', elicit, z.unknown());
    await vi.waitFor(async () => expect((await queue.outstanding('t1')).length).toBe(1));
    expect((await queue.dequeueAll('t1')).map((m) => m.kind)).toEqual(['request']);
    expect(deps.logger.warn).not.toHaveBeenCalled();
  });

  it('refuses to ask once the work was aborted', async () => {
    const { queue, port, live, deps } = setUp({ request: vi.fn(() => Promise.resolve(true)) });
    live.abortWork();
    await expect(port.ask('elicitation/create', elicit, z.unknown())).rejects.toMatchObject({ name: 'AbortError' });
    expect(deps.send).not.toHaveBeenCalled();
    expect(await queue.outstanding('t1')).toEqual([]);
  });
});

describe("a task's port, counting the work's waiting asks", () => {
  // WorkContext's cap on waiting asks relies on the port telling it once per ask, however the ask
  // ends: answered, refused, rejected when the task ends, never queued, or never sent.
  function counter() {
    return { inputSettled: vi.fn() };
  }

  it('tells the counter once when the answer lands, not when the request is queued', async () => {
    const { port, live, deps } = setUp({});
    const c = counter();
    const answer = port.ask('elicitation/create', elicit, z.object({ action: z.string() }), c);
    await vi.waitFor(() => expect(deps.send).toHaveBeenCalledWith('t1', { type: 'input.request', requestId: 't1-r1' }));
    expect(c.inputSettled).not.toHaveBeenCalled();
    const pending = live.pendingInput('t1-r1')!;
    pending.resolve(pending.parse({ action: 'accept' }));
    pending.resolve({ action: 'again' });
    pending.reject(new Error('late'));
    await expect(answer).resolves.toEqual({ action: 'accept' });
    expect(c.inputSettled).toHaveBeenCalledTimes(1);
  });

  it('tells the counter once when the ask is rejected (the task ended) or its answer is refused', async () => {
    const { port, live, deps } = setUp({});
    const c = counter();
    const answer = port.ask('elicitation/create', elicit, z.unknown(), c);
    await vi.waitFor(() => expect(deps.send).toHaveBeenCalledTimes(1));
    live.pendingInput('t1-r1')!.reject(new Error('Task t1 was cancelled'));
    await expect(answer).rejects.toThrow('Task t1 was cancelled');
    expect(c.inputSettled).toHaveBeenCalledTimes(1);
  });

  it('tells the counter, and leaves nothing pending, when the request could not be queued', async () => {
    const { port, live, deps, queue } = setUp({});
    const failing = vi.spyOn(queue, 'enqueue').mockRejectedValueOnce(new Error('queue away'));
    const c = counter();
    await expect(port.ask('elicitation/create', elicit, z.unknown(), c)).rejects.toThrow('queue away');
    expect(c.inputSettled).toHaveBeenCalledTimes(1);
    expect(live.hasInputs).toBe(false);
    expect(deps.send).not.toHaveBeenCalled();
    // A queue that throws instead of rejecting: the same, never a throw out of ask().
    failing.mockImplementationOnce(() => {
      throw new Error('queue threw');
    });
    const thrown = port.ask('elicitation/create', elicit, z.unknown(), c);
    await expect(thrown).rejects.toThrow('queue threw');
    expect(c.inputSettled).toHaveBeenCalledTimes(2);
    expect(live.hasInputs).toBe(false);
  });

  it('rejects the ask, and ends nothing, when even the warning about a failed push throws', async () => {
    const { port, deps } = setUp({ request: vi.fn(() => Promise.reject(new Error('stream broke'))) });
    vi.mocked(deps.logger.warn).mockImplementation(() => {
      throw new Error('logger broke');
    });
    const c = counter();
    await expect(port.ask('elicitation/create', elicit, z.unknown(), c)).rejects.toThrow('logger broke');
    expect(c.inputSettled).toHaveBeenCalledTimes(1);
  });

  it('tells the counter when the work was aborted before it asked', async () => {
    const { port, live } = setUp({});
    live.abortWork();
    const c = counter();
    await expect(port.ask('elicitation/create', elicit, z.unknown(), c)).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.inputSettled).toHaveBeenCalledTimes(1);
  });
});

describe("a task's notifications", () => {
  it('go out at once with no tasks/result open, and are queued while one is open or the stream is gone', async () => {
    const { queue, port, live, session } = setUp({});
    await port.tell({ method: 'notifications/message', params: { level: 'info', data: 1 } });
    expect(session.notify).toHaveBeenCalledTimes(1);
    expect(await queue.dequeueAll('t1')).toEqual([]);
    live.attached = 1;
    await port.tell({ method: 'notifications/message', params: { level: 'info', data: 2 } });
    expect(session.notify).toHaveBeenCalledTimes(1);
    live.attached = 0;
    vi.mocked(session.notify).mockResolvedValueOnce(false);
    await port.tell({ method: 'notifications/message', params: { level: 'info', data: 3 } });
    const queued = await queue.dequeueAll('t1');
    expect(queued.map((m) => (m.kind === 'notification' ? (m.message.params as { data: number }).data : m.kind))).toEqual([2, 3]);
  });

  it('warn once when the queue drops the oldest beyond maxQueuedNotifications', async () => {
    const { port, live, deps } = setUp({}, 1);
    live.attached = 1;
    for (let i = 0; i < 3; i++) await port.tell({ method: 'notifications/message', params: { level: 'info', data: i } });
    expect(deps.logger.warn).toHaveBeenCalledTimes(1);
    expect(vi.mocked(deps.logger.warn).mock.calls[0]![0]).toContain('maxQueuedNotifications');
  });
});

describe("a task's port and client tasks", () => {
  it('offers askAsTask only where the session can follow client tasks', () => {
    expect(setUp({}).port.askAsTask).toBeUndefined();
    expect(setUp({ client: {} as TaskSession['client'] }).port.askAsTask).toBeTypeOf('function');
  });
});
