/**
 * The caller's `signal` on `TasksExtensionClient`: an application may share one (e.g. its shutdown
 * signal) across many calls, each of which polls `tasks/get` many times. SDK v1's `request` never
 * takes its abort listener off the signal it is given, so the helper must hold the caller's signal
 * only while a request is in flight.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { TasksExtensionClient } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, sleep, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

let tasks: TaskSupport | undefined;
let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  await tasks?.close();
});

/** Counts the `notifications/cancelled` the client sends from now on. */
function countCancels(session: Session): { count: number } {
  const transport = session.client.transport!;
  const send = transport.send.bind(transport);
  const seen = { count: 0 };
  transport.send = async (message, options) => {
    if ('method' in message && message.method === 'notifications/cancelled') seen.count++;
    return send(message, options);
  };
  return seen;
}

describe('TasksExtensionClient with a caller signal', () => {
  it('leaves no listener on a signal shared by finished calls, and its abort cancels nothing', async () => {
    tasks = testTaskSupport({ pollInterval: 10, limits: { minPollInterval: 10 } });
    const support = tasks;
    session = await connectInMemory(support, (server) => {
      support.registerTool(server, 'slow', { taskSupport: 'required' }, async () => {
        await sleep(100);
        return { content: [{ type: 'text', text: 'done' }] };
      });
    });
    const helper = new TasksExtensionClient(session.client, { defaultPollIntervalMs: 10 });
    const app = new AbortController();
    // Listeners on the signal at each tasks/get answer, between polls: no request is in flight then.
    const betweenPolls: number[] = [];
    const onTaskStatus = (): void => void betweenPolls.push(getEventListeners(app.signal, 'abort').length);
    for (let i = 0; i < 3; i++) {
      const result = await helper.callTool({ name: 'slow', arguments: {} }, { signal: app.signal, onTaskStatus });
      expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    }
    expect(betweenPolls.length).toBeGreaterThan(3); // the calls did poll, so a listener per request would show
    expect(Math.max(...betweenPolls)).toBe(0);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);

    // Aborting now has nothing to cancel: every request was answered.
    const cancels = countCancels(session);
    app.abort(new Error('shutting down'));
    await sleep(20);
    expect(cancels.count).toBe(0);
  });
});
