import { describe, expect, it } from 'vitest';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { activeTimers, census } from '../load/census.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';
import { rpcError } from '../support/session.js';

describe('close() while tasks run', () => {
  it('ends working, input_required and deaf tasks failed, answers every open tasks/result, and leaves nothing running', async () => {
    const timersBefore = activeTimers();
    const tasks = testTaskSupport();
    const jobs = new Jobs();
    const session = await connectInMemory(tasks, (server) => {
      jobs.register(tasks, server);
      tasks.registerTool(server, 'asks', { taskSupport: 'required' }, async (_args, task) => {
        await task.elicit({ message: 'never answered', requestedSchema: { type: 'object', properties: {} } });
        return { content: [] };
      });
      tasks.registerTool(
        server,
        'deaf',
        { taskSupport: 'required', inputSchema: { n: z.number() } },
        () => new Promise<CallToolResult>(() => {}),
      );
    });
    let asked = 0;
    session.client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return new Promise(() => {});
    });
    const working = await Promise.all(Array.from({ length: 5 }, (_, i) => createTask(session.client, 'job', { key: `w${i}` })));
    const waiting = await Promise.all(Array.from({ length: 5 }, () => createTask(session.client, 'asks', {})));
    const deaf = await Promise.all(Array.from({ length: 5 }, (_, n) => createTask(session.client, 'deaf', { n })));
    const all = [...working, ...waiting, ...deaf];
    const results = all.map((t) => rpcError(taskResult(session.client, t.taskId)));
    await eventually(() => asked === 5);
    for (const t of waiting) expect((await session.client.experimental.tasks.getTask(t.taskId)).status).toBe('input_required');

    await tasks.close();

    for (const error of await Promise.all(results)) expect(error.message).toMatch(/Server shut down before the task finished/);
    for (const t of all) expect((await tasks.store.get(t.taskId))?.status).toBe('failed');
    expect(jobs.aborts.sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
    expect(census(tasks)).toMatchObject({
      actors: 0,
      engineLive: 0,
      admitted: 0,
      admittedCallers: 0,
      expiryDeadlines: 0,
      storeWaiters: 0,
      queueWaiters: 0,
    });
    expect(tasks.actor.getSnapshot().status).toBe('done');
    await session.close();
    await eventually(() => activeTimers() <= timersBefore);
  });

  it('a second close() (SIGINT, then SIGTERM) resolves only once the first has stored every end', async () => {
    const tasks = testTaskSupport();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'deaf', { taskSupport: 'required' }, () => new Promise<CallToolResult>(() => {}));
    });
    const created = await Promise.all(Array.from({ length: 3 }, () => createTask(session.client, 'deaf', {})));
    const first = tasks.close();
    await tasks.close();
    for (const t of created) expect((await tasks.store.get(t.taskId))?.status).toBe('failed');
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0 });
    await first;
    await session.close();
  });
});
