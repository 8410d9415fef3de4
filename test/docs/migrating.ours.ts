import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../src/index.js';
import { z } from 'zod';

// One per process: it serves the tasks of every server (session) made below.
export const tasks = TaskSupport.inMemory();

export function createServer(): McpServer {
  const server = new McpServer({ name: 'countdown', version: '1.0.0' });
  tasks.registerTool(
    server,
    'countdown',
    { description: 'Counts down, then says done', inputSchema: { seconds: z.number() }, taskSupport: 'required' },
    // The work is the task: its return completes it, a throw fails it, a cancel aborts task.signal.
    async ({ seconds }, task) => {
      for (let left = seconds; left > 0; left--) {
        await task.status(`${left} s left`);
        await sleep(1000, undefined, { signal: task.signal });
      }
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );
  return server;
}
