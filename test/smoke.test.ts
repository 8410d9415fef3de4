import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectInMemory, createTask, taskResult, testTaskSupport, sleep } from './support/harness.js';

describe('smoke', () => {
  it('runs a task end to end', async () => {
    const tasks = testTaskSupport();
    const s = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'countdown', { taskSupport: 'optional', inputSchema: { seconds: z.number() } }, async ({ seconds }, task) => {
        await task.status(`${seconds} left`);
        await sleep(20, task.signal);
        return { content: [{ type: 'text', text: `done ${seconds}` }] };
      });
    });
    const tools = await s.client.listTools();
    console.log(JSON.stringify(tools.tools));
    const task = await createTask(s.client, 'countdown', { seconds: 2 });
    console.log(task);
    const result = await taskResult(s.client, task.taskId);
    console.log(JSON.stringify(result), s.notifications);
    const got = await s.client.experimental.tasks.getTask(task.taskId);
    console.log(got, tasks.liveTaskActors);
    const inline = await s.client.callTool({ name: 'countdown', arguments: { seconds: 1 } });
    console.log(inline);
    await s.close(); await tasks.close();
    expect(result.content).toEqual([{ type: 'text', text: 'done 2' }]);
  });
});
