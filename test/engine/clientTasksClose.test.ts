// An inline call's client-task follow (its actor under the engine's root, no task whose end would
// stop it) ends when the engine closes: the client's task is cancelled, the follow rejects with the
// close's reason, and no listener is left on the work's signal. Before, it polled on after close.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientChannel } from '../../src/engine/ClientTasks.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(closeTestEngines);

describe('engine.close() with an inline client-task follow in flight', () => {
  it('cancels the client task, rejects the follow with the close’s reason, and leaves no listener or poll', async () => {
    const { engine } = testEngine();
    const methods: string[] = [];
    const channel: ClientChannel = {
      request: <T>({ method }: { method: string }) => {
        methods.push(method);
        if (method === 'tasks/get')
          return Promise.resolve({
            taskId: 'c1',
            status: 'working',
            ttl: null,
            pollInterval: 50,
            createdAt: 'x',
            lastUpdatedAt: 'x',
          }) as Promise<T>;
        return new Promise<T>(() => {});
      },
    };
    const work = new AbortController();
    let outcome = 'pending';
    const followed = engine.followClientTask(undefined, {
      create: () =>
        Promise.resolve({ task: { taskId: 'c1', status: 'working', ttl: null, pollInterval: 50, createdAt: 'x', lastUpdatedAt: 'x' } }),
      channel,
      capabilities: { tasks: { cancel: {} } } as never,
      resultSchema: { parse: (x: unknown) => x } as never,
      signal: work.signal,
    });
    followed.then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = `rejected: ${String(error)}`),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.close();
    const atClose = methods.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(methods.slice(atClose)).toEqual([]);
    expect(methods).toContain('tasks/cancel');
    expect(outcome).toBe('rejected: McpError: Server shut down before the task finished');
    expect(getEventListeners(work.signal, 'abort').length).toBe(0);
  });
});
