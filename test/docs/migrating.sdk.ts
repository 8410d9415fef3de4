import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskMessageQueue, InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export function createServer(): McpServer {
  const server = new McpServer(
    { name: 'countdown', version: '1.0.0' },
    {
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: new InMemoryTaskMessageQueue(),
    },
  );
  server.experimental.tasks.registerToolTask(
    'countdown',
    { description: 'Counts down, then says done', inputSchema: { seconds: z.number() }, execution: { taskSupport: 'required' } },
    {
      createTask: async ({ seconds }, extra) => {
        const task = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl });
        // The work runs beside the request, and must write its own progress and end to the store.
        void (async () => {
          for (let left = seconds; left > 0; left--) {
            await extra.taskStore.updateTaskStatus(task.taskId, 'working', `${left} s left`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
          await extra.taskStore.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text: 'done' }] });
        })();
        return { task };
      },
      getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
    },
  );
  return server;
}
