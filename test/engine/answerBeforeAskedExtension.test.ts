/**
 * The tasks extension (2026) lists a task's outstanding requests on `tasks/get` from the queue, as
 * soon as each request's enqueue has landed. A work that asks a second time while its first request
 * waits: the task is `input_required` already, so the second request is listed while its enqueue
 * has not answered, and its actor has not been told of it. A `tasks/update` answering it then reached
 * an actor not waiting for it, which ignored it: told of the request a moment later, the actor waited
 * for an answer already given, and the task stayed `input_required` until its ttl. Now the answer
 * waits on the ask and reaches the actor right after it is told (PendingAnswer.keepEarly).
 * Real SDK v1 Client and McpServer over InMemoryTransport; the in-memory queue, with the answer of
 * the second request's enqueue held on a gate (the request is queued at once).
 */
import { expect, it } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import type { EnqueueOptions, OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { extensionRequest } from '../support/extensionRequests.js';
import { connectInMemory, deferred, eventually, testTaskSupport } from '../support/harness.js';

const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };

/** The in-memory queue, whose second request's enqueue answers only once `gate` opens (the request is queued at once). */
class SecondAnswersLate extends InMemoryTaskOutbox {
  readonly gate = deferred();
  readonly secondQueued = deferred();
  private requests = 0;

  override async enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number> {
    const dropped = await super.enqueue(taskId, message, options);
    if (message.kind === 'request' && ++this.requests === 2) {
      this.secondQueued.resolve();
      await this.gate.promise;
    }
    return dropped;
  }
}

it('gives the work an answer tasks/update brought to a listed request its actor was not yet told of', async () => {
  const queue = new SecondAnswersLate();
  const tasks = testTaskSupport({ queue, pollInterval: 10, limits: { minPollInterval: 10 }, storeTimeout: 10_000 });
  const askSecond = deferred();
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'twice', { taskSupport: 'required' }, async (_args, task) => {
      const value = async (message: string): Promise<string> => {
        const answer = await task.elicit({ message, requestedSchema: FORM });
        return answer.action === 'accept' ? String(answer.content?.['value']) : answer.action;
      };
      const first = value('first?');
      // The second ask comes while the first waits, its task stored `input_required` already.
      await askSecond.promise;
      const second = value('second?');
      return { content: [{ type: 'text', text: `${await first}+${await second}` }] };
    }),
  );
  const request = (method: string, params: Record<string, unknown>) => extensionRequest(session.client, method, params);
  const listed = async (taskId: string): Promise<string[]> => Object.keys((await request('tasks/get', { taskId }))['inputRequests'] ?? {});
  try {
    const taskId = String((await request('tools/call', { name: 'twice', arguments: {} }))['taskId']);
    let keys: string[] = [];
    await eventually(async () => (keys = await listed(taskId)).length === 1);
    const [firstKey] = keys;
    askSecond.resolve();
    await queue.secondQueued.promise;
    // Listed: in the queue, on a task `input_required`; its enqueue has not answered yet.
    keys = await listed(taskId);
    expect(keys).toHaveLength(2);
    const secondKey = keys.find((key) => key !== firstKey)!;
    // Acknowledged once the task's engine has the answer: before its actor knows of the request.
    await request('tasks/update', { taskId, inputResponses: { [secondKey]: { action: 'accept', content: { value: 'two' } } } });
    queue.gate.resolve();
    await request('tasks/update', { taskId, inputResponses: { [firstKey!]: { action: 'accept', content: { value: 'one' } } } });
    let done: Record<string, unknown> = {};
    await eventually(async () => (done = await request('tasks/get', { taskId }))['status'] === 'completed', 3_000);
    expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'one+two' }] });
  } finally {
    queue.gate.resolve();
    askSecond.resolve();
    await session.close();
    await tasks.close();
  }
});
