import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedMessage } from '../../../src/backends/TaskMessageQueue.js';
import { eventually, testTaskSupport } from '../../support/harness.js';
import { tappedExtensionSession } from '../../support/tappedExtensionSession.js';

/*
 * The tasks extension and a terminal task whose queue still holds an input request: left there by a
 * process that died between storing the task's end and clearing its queue (or a clear that failed).
 * tasks/get shows the end and no inputRequests; tasks/update acknowledges every key, as it does keys
 * not outstanding (the spec: a server SHOULD ignore them). It checked the answers against the
 * leftover before: a bad one got -32602 for a task that had ended, and a good one was handed on to
 * a run that is no more (logged as dropped).
 */

let warnings: unknown[][];

const extension = tappedExtensionSession({
  tasks: () => {
    warnings = [];
    return testTaskSupport({ logger: { warn: (...args: unknown[]) => warnings.push(args), error: () => {} } });
  },
  tools: (tasks, server) =>
    tasks.registerTool(server, 'work', { taskSupport: 'required' }, async (_args, task): Promise<CallToolResult> => {
      await task.log('info', 'started');
      return { content: [{ type: 'text', text: 'done' }] };
    }),
  checked: ['tasks/update'],
});
const { request } = extension;

/** A completed task with a dead run's question left in its queue; the question's key. */
async function endedWithLeftover(): Promise<{ taskId: string; key: string }> {
  const taskId = (await request('tools/call', { name: 'work', arguments: {} }))['taskId'] as string;
  await eventually(async () => (await request('tasks/get', { taskId }))['status'] === 'completed');
  const key = `dead-run-${randomBytes(4).toString('hex')}`;
  const params = { message: 'which one?', requestedSchema: { type: 'object', properties: { value: { type: 'string' } } } };
  const question: QueuedMessage = {
    kind: 'request',
    requestId: key,
    message: { jsonrpc: '2.0', id: key, method: 'elicitation/create', params },
  };
  await extension.tasks.queue.enqueue(taskId, question);
  return { taskId, key };
}

it('tasks/get of the ended task shows its result and no inputRequests', async () => {
  const { taskId } = await endedWithLeftover();
  const task = await request('tasks/get', { taskId });
  expect(task).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'done' }] } });
  expect(task).not.toHaveProperty('inputRequests');
});

it('tasks/update of the ended task acknowledges an answer that does not fit the leftover request, and hands nothing on', async () => {
  const { taskId, key } = await endedWithLeftover();
  expect(await request('tasks/update', { taskId, inputResponses: { [key]: { action: 'maybe' } } })).toEqual({ resultType: 'complete' });
  expect(await request('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'a' } } } })).toEqual({
    resultType: 'complete',
  });
  expect(warnings).toEqual([]);
  expect(await request('tasks/get', { taskId })).toMatchObject({ status: 'completed' });
});
