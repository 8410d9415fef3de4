import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TaskSupport } from '../../src/index.js';
import { createTask, deferred, eventually, taskResult } from '../support/harness.js';
import { instance, redisForFile } from '../support/redisInstances.js';

// A tool whose input schema transforms its arguments (here a string into its length) gets them
// parsed once wherever its work runs. A task run again elsewhere (a restartable task taken over
// after its instance died) parses the client's own arguments there; it was handed the parsed
// ones, which the schema refused (a number is no string), and the task failed. The worker-pool
// case is in test/redis/workers/transformedArguments.test.ts.
const { redis: server, opened } = redisForFile();

const release = deferred<void>();
function lengthTool(name: string) {
  return (tasks: TaskSupport, server: McpServer) =>
    tasks.registerTool(
      server,
      'length',
      { taskSupport: 'required', restartable: true, inputSchema: { s: z.string().transform((text) => text.length) } },
      async ({ s }): Promise<CallToolResult> => {
        await release.promise;
        return { content: [{ type: 'text', text: `${s} on ${name}` }] };
      },
    );
}

describe('a restartable task of a tool whose schema transforms its arguments', () => {
  it('runs again after a takeover with the arguments the client sent', async () => {
    const a = await instance(server(), 'a', 'ta:', { extraTools: lengthTool('a') });
    opened.push(a);
    const task = await createTask(a.session.client, 'length', { s: 'abcd' });
    await a.backend.close(); // A dies: its lease is no longer renewed.
    const b = await instance(server(), 'b', 'ta:', { extraTools: lengthTool('b') });
    opened.push(b);
    await eventually(
      async () => (await b.session.client.experimental.tasks.getTask(task.taskId)).statusMessage?.startsWith('Restarted') ?? false,
      10_000,
    );
    release.resolve();
    expect((await taskResult(b.session.client, task.taskId)).content).toEqual([{ type: 'text', text: '4 on b' }]);
    expect(b.errors).toEqual([]);
  });
});
