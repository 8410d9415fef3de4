/**
 * A request a work asks is visible to a `tasks/result` once its enqueue has landed in the queue,
 * but its task's actor hears of it (`input.request`) only when that enqueue answers. A queue whose
 * answer comes late (a networked store: a slow reply, one retried after a lost reply) left a window
 * in which a `tasks/result` took the request, the client was asked and answered, and the answer
 * reached an actor still `working`: the actor ignored it, then went `input_required` and waited for
 * an answer already given (the task hung, the client's `tasks/result` with it). A take of a
 * request now waits until the actor was told (TaskPort holds the task's writes until then, and
 * taskStorage.ts takeMessages waits for them), so the answer always finds the actor waiting.
 * Real SDK v1 Client and McpServer over InMemoryTransport; the queue is the in-memory one, with
 * the answer of the first request's enqueue held on a gate (the request is queued at once).
 */
import { GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { EnqueueOptions, OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { answerGiven, answerWith, registerAskingTools } from '../support/askingTools.js';
import { connectInMemory, createTask, deferred, sleep, taskResult, testTaskSupport } from '../support/harness.js';

/** The in-memory queue, whose first request enqueue answers only once `gate` opens (the request is queued at once). */
class LateAnswerQueue extends InMemoryTaskOutbox {
  readonly gate = deferred();
  readonly tookRequest = deferred();
  private held = false;

  override async enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number> {
    const dropped = await super.enqueue(taskId, message, options);
    if (message.kind === 'request' && !this.held) {
      this.held = true;
      await this.gate.promise;
    }
    return dropped;
  }

  override async dequeueAll(taskId: string): Promise<OutboxMessage[]> {
    const taken = await super.dequeueAll(taskId);
    if (taken.some((message) => message.kind === 'request')) this.tookRequest.resolve();
    return taken;
  }
}

it('gives the work the answer to a request a tasks/result took before its enqueue answered', async () => {
  const queue = new LateAnswerQueue();
  const tasks = testTaskSupport({ queue, storeTimeout: 10_000 });
  const session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
  try {
    const client = session.client;
    const { answered, asked } = answerGiven(client);
    const task = await createTask(client, 'ask', { key: 'q' });
    const result = taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    // The request is queued, its enqueue has not answered, and the open tasks/result took it.
    await queue.tookRequest.promise;
    // Before the fix the client was asked and its answer reached the task within this turn; now
    // the request waits for the enqueue's answer (nothing to await then: a bounded look).
    await Promise.race([answered, sleep(200)]);
    await new Promise((resolve) => setImmediate(resolve));
    queue.gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'given' }]);
    expect(asked()).toBe(1);
  } finally {
    queue.gate.resolve();
    await session.close();
    await tasks.close();
  }
});

/** The in-memory store, whose `input_required` writes land a few turns late (a store under load). */
class SlowInputRequiredStore extends InMemoryTaskRecordStore {
  override async update(...args: Parameters<InMemoryTaskRecordStore['update']>): ReturnType<InMemoryTaskRecordStore['update']> {
    if (args[1] === 'input_required') for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    return super.update(...args);
  }
}

it("asks such a request only once the task's input_required is stored", async () => {
  const queue = new LateAnswerQueue();
  const tasks = testTaskSupport({ queue, store: new SlowInputRequiredStore(), storeTimeout: 10_000 });
  const session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
  try {
    const client = session.client;
    const seen: string[] = [];
    answerWith(client, {
      elicit: async (request) => {
        const taskId = (request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string }).taskId;
        seen.push((await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status);
        return { action: 'accept', content: { value: 'given' } };
      },
    });
    const task = await createTask(client, 'ask', { key: 'q' });
    const result = taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    await queue.tookRequest.promise;
    queue.gate.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'given' }]);
    // The client asked about the task while answering: the request named a task waiting for input.
    expect(seen).toEqual(['input_required']);
  } finally {
    queue.gate.resolve();
    await session.close();
    await tasks.close();
  }
});
