import { afterEach, describe, expect, it } from 'vitest';
import type { JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedMessage, TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, deferred, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// Issue 12, item 9: notifications queued per task for tasks/result are capped (default 1,000): the
// oldest notification goes, never a request, with one warning per task. Before, 100,000 of them
// to a client that never read them were all kept. Runs on the in-memory and the Redis queue.

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

const notification = (i: number): QueuedMessage => ({
  kind: 'notification',
  message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: i } },
});
const request = (id: string): QueuedMessage => ({
  kind: 'request',
  requestId: id,
  message: {
    jsonrpc: '2.0',
    id,
    method: 'elicitation/create',
    params: { message: id, requestedSchema: { type: 'object', properties: {} } },
  },
});
/** What a queue holds, short: `n<i>` for a notification, the id for a request. */
const shape = (messages: QueuedMessage[]) =>
  messages.map((m) => (m.kind === 'request' ? m.requestId : `n${String((m.message as JSONRPCNotification).params?.['data'])}`));

describe('queued notifications cap', () => {
  it('keeps the newest 1,000 notifications of a task nobody reads, every request, and warns once', async () => {
    const warnings: string[] = [];
    const tasks = testTaskSupport({ logger: { warn: (message: string) => void warnings.push(message), error: () => {} } });
    open.tasks.push(tasks);
    const go = deferred();
    const logged = deferred();
    const session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'chatty', { taskSupport: 'required' }, async (_args, task) => {
        await go.promise;
        for (let i = 0; i < 10; i++) await task.log('info', i);
        const asked = task.elicit({ message: 'still there?', requestedSchema: { type: 'object', properties: {} } });
        asked.catch(() => {});
        for (let i = 10; i < 2_500; i++) await task.log('info', i);
        logged.resolve();
        await asked;
        return { content: [] };
      }),
    );
    const task = await createTask(session.client, 'chatty', {});
    // With the client gone, the task's logs can only wait in its queue for a tasks/result.
    await session.close();
    go.resolve();
    await logged.promise;

    const queued = await tasks.queue.dequeueAll(task.taskId);
    expect(queued).toHaveLength(1_001);
    expect(queued[0]).toMatchObject({ kind: 'request', message: { method: 'elicitation/create' } });
    expect(shape(queued.slice(1))).toEqual(Array.from({ length: 1_000 }, (_, i) => `n${1_500 + i}`));
    expect(await tasks.queue.outstanding(task.taskId)).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('maxQueuedNotifications'))).toEqual([
      `mcp-task-actors: task ${task.taskId} has more than 1000 notifications queued for tasks/result (maxQueuedNotifications); dropping the oldest`,
    ]);
  });

  it('drops the oldest notification past maxNotifications, skipping requests, through requeue and dequeue', async () => {
    const tasks = testTaskSupport();
    open.tasks.push(tasks);
    const { queue } = tasks;
    const id = 'capped-task';
    const max = { maxNotifications: 3 };
    const dropped: (number | void)[] = [];
    for (const message of [notification(0), request('R'), notification(1), notification(2), notification(3), notification(4)]) {
      dropped.push(await queue.enqueue(id, message, max));
    }
    // n0 went when n3 came (at the head); n1 when n4 came, from behind the request.
    expect(dropped).toEqual([0, 0, 0, 0, 1, 1]);
    const taken = await queue.dequeueAll(id);
    expect(shape(taken)).toEqual(['R', 'n2', 'n3', 'n4']);

    // Put back in front (a tasks/result that could not deliver them), then one more: down to 3 again.
    await queue.requeue(id, [notification(5), notification(6), ...taken]);
    expect(await queue.enqueue(id, notification(7), max)).toBe(3);
    expect(shape(await queue.dequeueAll(id))).toEqual(['R', 'n3', 'n4', 'n7']);
    expect(await queue.outstanding(id)).toHaveLength(1);

    // An emptied queue counts from zero; without a cap nothing is dropped.
    for (let i = 0; i < 3; i++) expect(await queue.enqueue(id, notification(10 + i), max)).toBe(0);
    await queue.clear(id);
    for (let i = 0; i < 5; i++) expect(await queue.enqueue(id, notification(20 + i))).toBe(0);
    expect(await queue.enqueue(id, notification(25), max)).toBe(3);
    expect(shape(await queue.dequeueAll(id))).toEqual(['n23', 'n24', 'n25']);
    await queue.clear(id);
  });
});
