// A newer tasks/result of a task on the same connection takes over from an older one (a client whose
// response stream dropped gets its requests asked again: TaskResultHandler's takeOverResultCall). The
// older call is answered -32001; it used to read "tasks/result was cancelled", to a client that had
// cancelled nothing.
import { describe, expect, it } from 'vitest';
import { ErrorCode, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTask, taskResult } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('tasks/result taken over by a newer one on the same connection', () => {
  it('answers the older call -32001 saying a newer tasks/result took over, and the newer one the result', async () => {
    const { client } = ctx.session;
    const task = await createTask(client, 'job_required', { key: 'over' });
    const job = await ctx.jobs.get('over');
    const older = rpcError(taskResult(client, task.taskId));
    // Served in order on one connection: once this answers, the older call has begun waiting.
    await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, GetTaskResultSchema);
    const newer = taskResult(client, task.taskId);
    const error = await older;
    expect(error.code).toBe(ErrorCode.RequestTimeout);
    expect(error.message).toBe(
      `MCP error -32001: tasks/result of task ${task.taskId} was taken over by a newer tasks/result of the same task on this connection`,
    );
    job.finish();
    expect((await newer).content).toEqual([{ type: 'text', text: 'done over' }]);
  });
});
