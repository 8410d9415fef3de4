import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { answerWith, registerAskingTools } from '../../support/askingTools.js';
import { rpcError } from '../../support/session.js';

const RELATED = 'io.modelcontextprotocol/related-task';
let tasks: TaskSupport;
let session: Session;

beforeEach(async () => {
  tasks = testTaskSupport();
  session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

describe('sampling from a task', () => {
  it('sends sampling/createMessage with the related-task _meta and returns the completion to the work', async () => {
    const seen: unknown[] = [];
    answerWith(session.client, {
      sample: (request) => {
        seen.push(request.params._meta?.[RELATED]);
        expect(request.params.maxTokens).toBe(50);
        return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'a summary' } };
      },
    });
    const task = await createTask(session.client, 'sample', { text: 'long text' });
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'a summary' }]);
    // Checked here, not in the handler: a throw there would only become an error reply.
    expect(seen).toEqual([{ taskId: task.taskId }]);
  });

  it('passes tools and toolChoice through and accepts tool_use content back', async () => {
    answerWith(session.client, {
      sample: (request) => {
        expect(request.params.tools?.[0]?.name).toBe('lookup');
        expect(request.params.toolChoice).toEqual({ mode: 'auto' });
        return {
          role: 'assistant',
          model: 'test-model',
          stopReason: 'toolUse',
          content: [{ type: 'tool_use', id: 'call-1', name: 'lookup', input: {} }],
        } as never;
      },
    });
    const task = await createTask(session.client, 'sample', { text: 'use a tool', withTools: true });
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'tool_use' }]);
  });

  it('hands the work the JSON-RPC error the client sends for a malformed completion', async () => {
    // The SDK client validates its own handler's result and answers -32602 instead.
    answerWith(session.client, { sample: () => ({ nonsense: true }) as never });
    const task = await createTask(session.client, 'sample', { text: 'x' });
    const error = await rpcError(taskResult(session.client, task.taskId));
    expect(error.code).toBe(-32602);
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });
});

describe('notifications from the work', () => {
  it('relates task logs to the task and delivers them through tasks/result when a call is open', async () => {
    answerWith(session.client, { elicit: () => ({ action: 'accept', content: {} }) });
    const task = await createTask(session.client, 'logger', { key: 'L' });
    await taskResult(session.client, task.taskId);
    const log = session.notifications.find((n) => n.method === 'notifications/message');
    expect(log?.params).toMatchObject({ level: 'info', data: { step: 'L logged' }, _meta: { [RELATED]: { taskId: task.taskId } } });
  });
});
