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
    const asked = new Set<string>();
    session.client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.add((request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string }).taskId);
      return new Promise(() => {});
    });
    const waits = await createTask(session.client, 'asksThenWaits', {});
    const ends = await createTask(session.client, 'asksThenEnds', {});
    // Cancelled once its request reached the client (a request goes out after its input_required
    // is stored, so a cancel sent on seeing that status could otherwise come first).
    await eventually(() => asked.has(waits.taskId));
    await session.client.experimental.tasks.cancelTask(waits.taskId);
    await eventually(async () => (await tasks.store.get(ends.taskId))?.status === 'completed');
    expect((await tasks.store.get(waits.taskId))?.status).toBe('cancelled');
    // The setup file (test/support/failOnUnhandled.ts) fails this test on an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...asked].sort()).toEqual([waits.taskId, ends.taskId].sort());
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
      // Ignores its signal: cancelled, its call is over while the work itself never ends.
      tasks.registerTool(server, 'asksThenHangs', { taskSupport: 'optional' }, (_args, task) => {
        void task.elicit(form);
        return new Promise<CallToolResult>(() => {});
      });
    });
    let asked = 0;
    session.client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return new Promise(() => {});
    });
    // Two calls cancelled by their client (one work ends on its signal, one never ends) and one that
    // returned: each leaves an ask the client never answers.
    const controller = new AbortController();
    const cancel = (name: string) =>
      session.client
        .request({ method: 'tools/call', params: { name, arguments: {} } }, CallToolResultSchema, { signal: controller.signal })
        .catch((error: Error) => error);
    const cancelled = [cancel('asksThenWaits'), cancel('asksThenHangs')];
    const returned = await session.client.request(
      { method: 'tools/call', params: { name: 'asksThenReturns', arguments: {} } },
      CallToolResultSchema,
    );
    expect(returned.content).toEqual([{ type: 'text', text: 'returned without the answer' }]);
    await eventually(() => asked === 3);
    controller.abort('stop');
    for (const error of await Promise.all(cancelled)) expect(error).toBeInstanceOf(Error);
    // Closing the connection rejects the three asks (-32000 "Connection closed"); the setup file fails the test if any is unhandled.
    await session.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await tasks.close();
  });

  it('an ask made after its task ended is refused at once: no request, no actor, no hang, no unhandled rejection', async () => {
    const actors: string[] = [];
    const tasks = testTaskSupport({
      inspect: (event) => {
        if (event.type === '@xstate.actor') actors.push((event.actorRef as { id?: string }).id ?? '');
      },
    });
    const late: Promise<unknown>[] = [];
    const session = await connectInMemory(
      tasks,
      (server) => {
        // Returns at once; a continuation it dropped asks once the task is over (ignoring the rejections but one).
        tasks.registerTool(server, 'asksLate', { taskSupport: 'required' }, (_args, task) => {
          setTimeout(() => {
            void task.elicit(form);
            void task.elicitAsTask(form);
            late.push(task.elicit(form).catch((error: Error) => error.message));
            late.push(task.elicitAsTask(form).catch((error: Error) => error.message));
          }, 20);
          return { content: [] };
        });
      },
      { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } },
    );
    let asked = 0;
    session.client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return { action: 'accept', content: {} };
    });
    const { taskId } = await createTask(session.client, 'asksLate', {});
    await eventually(() => late.length === 2);
    const refused = `Task ${taskId} has ended: its work can no longer ask the client`;
    expect(await Promise.all(late)).toEqual([refused, refused]);
    expect(asked).toBe(0);
    expect(actors.filter((id) => id.startsWith('clientTask-'))).toEqual([]);
    expect((await tasks.store.get(taskId))?.status).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await tasks.close();
    await session.close();
  });
});
