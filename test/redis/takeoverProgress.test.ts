import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateTaskResultSchema, ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TaskSupport } from '../../src/index.js';
import { deferred, eventually, taskResult } from '../support/harness.js';
import { instance, redisForFile } from '../support/redisInstances.js';

// The progressToken of a task's `tools/call` stays valid for the task's whole life (2025-11-25,
// tasks.mdx "Progress"): when the instance running a restartable task dies and another takes it
// over (lease expiry, ClusterLink.adopt), the rerun's `task.progress()` still sends on that token.
// The taker holds no session of the caller: the notification waits in the shared queue for a
// tasks/result, which the caller sends through the surviving instance.
const RELATED = 'io.modelcontextprotocol/related-task';

const { redis: server, opened } = redisForFile();

const release = deferred<void>();
function progressTool(name: string) {
  return (tasks: TaskSupport, server: McpServer) =>
    tasks.registerTool(
      server,
      'counting',
      { taskSupport: 'required', restartable: true, inputSchema: { key: z.string() } },
      async (_args, task): Promise<CallToolResult> => {
        await task.progress(1, 2, `on ${name}`);
        await release.promise;
        return { content: [{ type: 'text', text: `done on ${name}` }] };
      },
    );
}

describe('a restartable task taken over after its instance died', () => {
  it('sends its rerun’s progress on the tools/call progressToken, with the related-task _meta', async () => {
    const a = await instance(server(), 'a', 'tp:', { extraTools: progressTool('a') });
    opened.push(a);
    const onA: ProgressNotification['params'][] = [];
    a.session.client.setNotificationHandler(ProgressNotificationSchema, (n) => void onA.push(n.params));
    const token = 'progress-of-k';
    const created = await a.session.client.request(
      {
        method: 'tools/call',
        params: { name: 'counting', arguments: { key: 'k' }, task: { ttl: 60_000 }, _meta: { progressToken: token } },
      },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    await eventually(() => onA.length === 1, 10_000);
    expect(onA[0]).toMatchObject({ progressToken: token, message: 'on a' });
    await a.backend.close(); // A dies: its lease is no longer renewed.

    const b = await instance(server(), 'b', 'tp:', { extraTools: progressTool('b') });
    opened.push(b);
    // The caller comes back through B (same principal) and reads the queued notification there.
    const seen: ProgressNotification['params'][] = [];
    b.session.client.setNotificationHandler(ProgressNotificationSchema, (n) => void seen.push(n.params));
    await eventually(
      async () => (await b.session.client.experimental.tasks.getTask(taskId)).statusMessage?.startsWith('Restarted') ?? false,
      10_000,
    );
    const result = taskResult(b.session.client, taskId);
    result.catch(() => {}); // awaited below
    await eventually(() => seen.some((p) => p.message === 'on b'), 10_000);
    expect(seen.find((p) => p.message === 'on b')).toMatchObject({
      progressToken: token,
      progress: 1,
      total: 2,
      _meta: { [RELATED]: { taskId } },
    });
    release.resolve();
    expect((await result).content).toEqual([{ type: 'text', text: 'done on b' }]);
  }, 30_000);
});
