// TaskEngine.get with `polledBy` (a 2025-11-25 tasks/get): on a session whose stream can overtake the
// CreateTaskResult (TaskSession.reorders: Streamable HTTP), what a work asked while nothing carried
// it waits for its task's own session to poll the task, then goes out on that session's stream.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RunContext, TaskSession, TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(closeTestEngines);

const form = { message: 'Name?', requestedSchema: { type: 'object' as const, properties: {} } };

function session(pushed: string[], withRequests = true): TaskSession {
  return {
    clientCapabilities: () => ({ elicitation: {} }),
    notify: () => Promise.resolve(true),
    statusChanged: () => Promise.resolve(),
    ...(withRequests
      ? { request: (_taskId: string, request: { requestId: string }) => (pushed.push(request.requestId), Promise.resolve(true)) }
      : {}),
    reorders: () => true,
  };
}

/** A work that asks once, then waits for its signal (`ask: false`: waits without asking). */
function spec(own: TaskSession, ask = true): TaskSpec {
  return {
    owner: 'alice',
    session: own,
    run: (task: RunContext): Promise<CallToolResult> => {
      if (ask) void task.elicit(form).catch(() => {});
      return new Promise((_resolve, reject) => task.signal.addEventListener('abort', () => reject(task.signal.reason as Error)));
    },
  };
}

describe('TaskEngine: a poll from the task’s own session lets its asked input go out', () => {
  it('pushes on the first poll from the task’s own session; not before, nor for a poll from another session or from none', async () => {
    const { engine } = testEngine();
    const pushed: string[] = [];
    const own = session(pushed);
    const { taskId } = await engine.start(spec(own));
    await vi.waitFor(async () => expect((await engine.get(taskId, 'alice')).status).toBe('input_required'));
    await engine.get(taskId, 'alice', session([]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pushed).toEqual([]);

    await engine.get(taskId, 'alice', own);
    await vi.waitFor(() => expect(pushed).toHaveLength(1));
  });

  it('reads the queue on a poll only when the work waits for an answer that nothing carries, and only on the first poll', async () => {
    const { engine, queue } = testEngine();
    const dequeueAll = vi.spyOn(queue, 'dequeueAll');
    const pushed: string[] = [];
    const own = session(pushed);
    const asked = async (taskSession: TaskSession): Promise<string> => {
      const { taskId } = await engine.start(spec(taskSession));
      await vi.waitFor(async () => expect((await engine.get(taskId, 'alice')).status).toBe('input_required'));
      return taskId;
    };

    // Nothing asked; asked, but a tasks/result is open; asked, on a session that cannot push.
    const quiet = await engine.start(spec(own, false));
    await engine.get(quiet.taskId, 'alice', own);
    const carried = await asked(own);
    engine.ends.attach(carried);
    await engine.get(carried, 'alice', own);
    const silent = session([], false);
    await engine.get(await asked(silent), 'alice', silent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dequeueAll).not.toHaveBeenCalled();
    expect(pushed).toEqual([]);

    const waiting = await asked(own);
    await engine.get(waiting, 'alice', own);
    await vi.waitFor(() => expect(pushed).toHaveLength(1));
    const reads = dequeueAll.mock.calls.length;
    await engine.get(waiting, 'alice', own);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dequeueAll).toHaveBeenCalledTimes(reads);
  });

  it('hands over a request queued for a task that has no live actor here (it runs on another instance)', async () => {
    const { engine, queue } = testEngine();
    const request = { jsonrpc: '2.0' as const, id: 'elsewhere-r1', method: 'elicitation/create' };
    await queue.enqueue('elsewhere', { kind: 'request', requestId: 'elsewhere-r1', message: request });
    expect((await engine.storage.takeMessages('elsewhere')).map((m) => m.kind)).toEqual(['request']);
  });
});
