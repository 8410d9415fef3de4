/**
 * The task-augmented request of a follow (its `create`) while its CreateTaskResult is on its way:
 * a follow that ends first (the work gave up) leaves it in flight, as the spec cancels a
 * task-augmented request with `tasks/cancel` once its task is known, never with
 * `notifications/cancelled` (which SDK v1 sends for an aborted request, dropping its late answer);
 * only the engine's close lets go of it. End to end: test/clientTasks/inlineLateCreate.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { followClientTask } from '../../src/engine/ClientTasks.js';
import type { ClientChannel } from '../../src/engine/ClientTasks.js';
import { drain } from '../support/until.js';

const task = {
  taskId: 'c1',
  status: 'working',
  ttl: null,
  pollInterval: 60_000,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
};

/** A follow whose create answers only when the test says; `closing` is the engine's close. */
function inFlight() {
  const work = new AbortController();
  const closing = new AbortController();
  const methods: string[] = [];
  let requestSignal: AbortSignal | undefined;
  let answer: (value: unknown) => void = () => {};
  const channel: ClientChannel = {
    request: <T>({ method }: { method: string }) => {
      methods.push(method);
      return Promise.resolve({ ...task, status: 'cancelled' } as T);
    },
  };
  const result = followClientTask(
    { parent: () => undefined, defaultPollInterval: 60_000, logger: { warn: () => {} }, closing: closing.signal },
    {
      create: (signal) => {
        requestSignal = signal;
        return new Promise((resolve) => (answer = resolve));
      },
      channel,
      capabilities: { tasks: { cancel: {} } },
      resultSchema: { parse: (x: unknown) => x } as never,
      signal: work.signal,
    },
  );
  result.catch(() => {});
  return { result, work, closing, methods, answer: (value: unknown) => answer(value), requestSignal: () => requestSignal };
}

describe("a follow's task-augmented request still in flight", () => {
  it('is left in flight when the follow ends first, and the task its late answer names is cancelled', async () => {
    const f = inFlight();
    f.work.abort(new Error('the work gave up'));
    await expect(f.result).rejects.toThrow('the work gave up');
    expect(f.requestSignal()?.aborted).toBe(false);
    f.answer({ task });
    await drain();
    expect(f.methods).toEqual(['tasks/cancel']);
  });

  it("is aborted with the close's reason when the engine's close ends the follow", async () => {
    const f = inFlight();
    const reason = new Error('closing');
    f.closing.abort(reason);
    await expect(f.result).rejects.toBe(reason);
    expect(f.requestSignal()?.aborted).toBe(true);
    expect(f.requestSignal()?.reason).toBe(reason);
  });
});
