import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext, TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// TaskContext documents that elicit / createMessage (and their *AsTask forms) reject when the
// client lacks the capability. They threw at the call instead: past the work's own `.catch`, out of
// `Promise.allSettled`'s array, so the whole work failed with the error it meant to handle.

const form = { message: 'ok?', requestedSchema: { type: 'object' as const, properties: {} } };
const sampling = { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'hi' } }], maxTokens: 10 };

/** Asks all four ways at once and reports how each settled. */
async function asksAllFourWays(_args: unknown, task: TaskContext): Promise<CallToolResult> {
  const settled = await Promise.allSettled([
    task.elicit(form),
    task.createMessage(sampling),
    task.elicitAsTask(form, { fallback: 'refuse' }),
    task.createMessageAsTask(sampling),
  ]);
  const text = settled.map((s) => (s.status === 'rejected' ? `rejected ${(s.reason as Error).name}` : 'fulfilled')).join(', ');
  return { content: [{ type: 'text', text }] };
}

let tasks: TaskSupport;
let session: Session;
beforeEach(async () => {
  tasks = testTaskSupport();
  // A client that declares neither elicitation nor sampling.
  session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'asks', { taskSupport: 'optional' }, asksAllFourWays), {});
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

const expected = Array.from({ length: 4 }, () => 'rejected MissingClientCapabilityError').join(', ');

describe('an ask the client cannot take', () => {
  it('rejects (task): the work handles it and completes', async () => {
    const task = await createTask(session.client, 'asks', {});
    const result = await taskResult(session.client, task.taskId);
    expect(result.isError).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: expected }]);
    expect(await tasks.store.get(task.taskId)).toMatchObject({ status: 'completed' });
  });

  it('rejects (inline): the work handles it and answers', async () => {
    const result = (await session.client.callTool({ name: 'asks', arguments: {} })) as CallToolResult;
    expect(result.isError).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: expected }]);
  });
});
