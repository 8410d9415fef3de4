import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/index.js';
import type { TaskRecord, TaskSupport } from '../../src/index.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/**
 * An in-memory store whose `input_required` writes take a while, like a Redis (Cluster) round trip
 * on a busy machine: the window in which a work's request is queued but its status not yet stored.
 */
class SlowInputStatus extends InMemoryTaskRecordStore {
  override async update(
    taskId: string,
    status: 'working' | 'input_required',
    statusMessage?: string,
    runner?: string,
  ): Promise<TaskRecord | undefined> {
    if (status === 'input_required') await new Promise((resolve) => setTimeout(resolve, 150));
    return super.update(taskId, status, statusMessage, runner);
  }
}

let tasks: TaskSupport;
let session: Session;

beforeEach(async () => {
  tasks = testTaskSupport({ store: new SlowInputStatus() });
  session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

/** Answers each elicitation once it has read the task's status, as a client checking what it is asked for would. */
function answerAfterReading(statuses: string[]): void {
  answerWith(session.client, {
    elicit: async (request: ElicitRequest) => {
      const taskId = (request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string }).taskId;
      statuses.push((await session.client.experimental.tasks.getTask(taskId)).status);
      return { action: 'accept', content: { value: 'ok' } };
    },
  });
}

describe('a task’s input request reaches the client only after its input_required status is stored', () => {
  it('pushed on the session’s stream (no tasks/result open)', async () => {
    const statuses: string[] = [];
    answerAfterReading(statuses);
    const task = await createTask(session.client, 'ask', { key: 'pushed' });
    await expect.poll(() => statuses.length).toBe(1);
    expect(statuses).toEqual(['input_required']);
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('delivered on an open tasks/result', async () => {
    const statuses: string[] = [];
    answerAfterReading(statuses);
    const task = await createTask(session.client, 'ask', { key: 'delivered', times: 2 });
    const result = taskResult(session.client, task.taskId);
    expect((await result).content).toEqual([{ type: 'text', text: 'ok,ok' }]);
    expect(statuses).toEqual(['input_required', 'input_required']);
  });
});
