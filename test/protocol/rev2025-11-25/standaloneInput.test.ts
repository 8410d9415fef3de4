import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../../src/index.js';
import { answerWith, registerAskingTools } from '../../support/askingTools.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport, workerSplit } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/*
 * Issue 18: a task that asks while no tasks/result of it is open pushes the request on the
 * session's stream (requesters that only poll tasks/get wait for it there), exactly once.
 */

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

describe('an input request with no tasks/result open', () => {
  it('reaches the client on the session’s stream with the related-task _meta, and a later tasks/result does not ask again', async () => {
    const asked: ElicitRequest[] = [];
    const release = deferred<void>();
    answerWith(session.client, {
      elicit: async (request) => {
        asked.push(request);
        await release.promise;
        return { action: 'accept', content: { value: 'pushed' } };
      },
    });
    const task = await createTask(session.client, 'ask', { key: 'p' });
    if (workerSplit) {
      // Split: the work runs on a worker, which has no stream of this session to push on; the
      // request waits in the task's queue and the next tasks/result carries it (docs/redis.md).
      await eventually(async () => (await session.client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
      await new Promise((r) => setTimeout(r, 100));
      expect(asked).toHaveLength(0);
      const result = taskResult(session.client, task.taskId);
      await eventually(() => asked.length === 1);
      expect(asked[0]!.params._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
      release.resolve();
      expect((await result).content).toEqual([{ type: 'text', text: 'pushed' }]);
      expect(asked).toHaveLength(1);
      return;
    }
    await eventually(() => asked.length === 1);
    expect(asked[0]!.params._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
    // Delivered, unanswered: outstanding, no longer queued for a tasks/result.
    expect((await tasks.queue.outstanding(task.taskId)).map((r) => r.message.method)).toEqual(['elicitation/create']);
    const result = taskResult(session.client, task.taskId);
    await new Promise((r) => setTimeout(r, 50));
    release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'pushed' }]);
    expect(asked).toHaveLength(1);
  });

  it('goes back to the queue, for the next tasks/result, when the connection it was pushed on closes unanswered', async () => {
    const asked = deferred<void>();
    answerWith(session.client, {
      elicit: () => {
        asked.resolve();
        return new Promise<never>(() => {}); // the user walked away, then the client closed
      },
    });
    const task = await createTask(session.client, 'ask', { key: 'gone' });
    if (workerSplit) {
      // Split: never pushed (see above), so it stays queued for the next tasks/result throughout.
      await eventually(async () => (await session.client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
      await session.client.close();
      const queued = await tasks.queue.dequeueAll(task.taskId);
      await tasks.queue.requeue(task.taskId, queued);
      expect(queued.map((m) => m.kind)).toEqual(['request']);
      return;
    }
    await asked.promise;
    await session.client.close();
    await eventually(async () => {
      const queued = await tasks.queue.dequeueAll(task.taskId);
      if (queued.length > 0) await tasks.queue.requeue(task.taskId, queued);
      return queued.length === 1 && queued[0]!.kind === 'request';
    });
  });
});
