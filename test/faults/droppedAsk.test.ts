import { describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext } from '../../src/index.js';
import { connectInMemory, createTask, ElicitRequestSchema, eventually, testTaskSupport } from '../support/harness.js';

const form = { message: 'never answered', requestedSchema: { type: 'object' as const, properties: {} } };

/** Asks, never awaits the ask, and waits for its cancel instead. */
function asksThenWaits(_args: unknown, task: TaskContext): Promise<CallToolResult> {
  void task.elicit(form);
  return new Promise<CallToolResult>((_resolve, reject) =>
    task.signal.addEventListener('abort', () => reject(task.signal.reason as Error)),
  );
}

describe('an ask the work dropped', () => {
  it('ends with its task without an unhandled rejection: cancelled, or ended by the work itself', async () => {
    const tasks = testTaskSupport();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'asksThenWaits', { taskSupport: 'required' }, asksThenWaits);
      tasks.registerTool(server, 'asksThenEnds', { taskSupport: 'required' }, async (_args, task) => {
        void task.elicit(form);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { content: [{ type: 'text', text: 'done without the answer' }] };
      });
    });
    let asked = 0;
    session.client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return new Promise(() => {});
    });
    const waits = await createTask(session.client, 'asksThenWaits', {});
    const ends = await createTask(session.client, 'asksThenEnds', {});
    await eventually(async () => (await tasks.store.get(waits.taskId))?.status === 'input_required');
    await session.client.experimental.tasks.cancelTask(waits.taskId);
    await eventually(async () => (await tasks.store.get(ends.taskId))?.status === 'completed');
    expect((await tasks.store.get(waits.taskId))?.status).toBe('cancelled');
    // The setup file (test/support/failOnUnhandled.ts) fails this test on an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toBe(2);
    await tasks.close();
    await session.close();
  });

  it('inline (an optional tool called without a task): ends with its call without an unhandled rejection when the connection closes', async () => {
    const tasks = testTaskSupport();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'asksThenWaits', { taskSupport: 'optional' }, asksThenWaits);
      tasks.registerTool(server, 'asksThenReturns', { taskSupport: 'optional' }, (_args, task) => {
        void task.elicit(form);
        return { content: [{ type: 'text', text: 'returned without the answer' }] };
      });
    });
    let asked = 0;
    session.client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return new Promise(() => {});
    });
    // One call cancelled by its client, one that returned: both leave an ask the client never answers.
    const controller = new AbortController();
    const cancelled = session.client
      .request({ method: 'tools/call', params: { name: 'asksThenWaits', arguments: {} } }, CallToolResultSchema, {
        signal: controller.signal,
      })
      .catch((error: Error) => error);
    const returned = await session.client.request(
      { method: 'tools/call', params: { name: 'asksThenReturns', arguments: {} } },
      CallToolResultSchema,
    );
    expect(returned.content).toEqual([{ type: 'text', text: 'returned without the answer' }]);
    await eventually(() => asked === 2);
    controller.abort('stop');
    expect(await cancelled).toBeInstanceOf(Error);
    // Closing the connection rejects both asks (-32000 "Connection closed"); the setup file fails the test if either is unhandled.
    await session.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await tasks.close();
  });
});
