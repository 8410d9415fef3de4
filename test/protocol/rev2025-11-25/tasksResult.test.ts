import { describe, expect, it } from 'vitest';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { createTask, taskResult, workerSplit } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();
const RELATED = 'io.modelcontextprotocol/related-task';

describe('tasks/result', () => {
  it('blocks until the task completes and wakes at once, without polling', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'r' });
    const job = await ctx.jobs.get('r');
    let settledAt = 0;
    const result = taskResult(ctx.session.client, task.taskId).then((r) => {
      settledAt = performance.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(settledAt).toBe(0);
    const finishedAt = performance.now();
    job.finish({ content: [{ type: 'text', text: 'ok' }], structuredContent: { n: 1 } });
    const got = await result;
    expect(got).toEqual({
      content: [{ type: 'text', text: 'ok' }],
      structuredContent: { n: 1 },
      _meta: { [RELATED]: { taskId: task.taskId } },
    });
    // The reference SDKs poll once a second; event-driven wakes within a few ms (Redis pub/sub
    // included). The bound leaves room for a loaded CI machine and still catches any poll loop.
    expect(settledAt - finishedAt).toBeLessThan(150);
  });

  it('answers at once for a task that is already terminal', async () => {
    const task = await createTask(ctx.session.client, 'quick', { text: 'done' });
    const first = await taskResult(ctx.session.client, task.taskId);
    const again = await taskResult(ctx.session.client, task.taskId);
    expect(again).toEqual(first);
  });

  it('turns a throw in the work into failed and an isError result with the message', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'f' });
    (await ctx.jobs.get('f')).fail(new Error('disk full'));
    const result = await taskResult(ctx.session.client, task.taskId);
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'disk full' }] });
    const got = await ctx.session.client.experimental.tasks.getTask(task.taskId);
    expect(got.status).toBe('failed');
    expect(got.statusMessage).toBe('disk full');
  });

  it('returns an McpError thrown by the work as that JSON-RPC error', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'm' });
    (await ctx.jobs.get('m')).fail(new McpError(-32001, 'upstream timed out', { upstream: 'x' }));
    const error = await rpcError(taskResult(ctx.session.client, task.taskId));
    expect(error.code).toBe(-32001);
    expect(error.message).toContain('upstream timed out');
    expect(error.data).toEqual({ upstream: 'x' });
    expect((await ctx.session.client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });

  it('fails the task when the work returns something that is not a CallToolResult', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'bad' });
    (await ctx.jobs.get('bad')).finish({ content: 'nope' } as never);
    const error = await rpcError(taskResult(ctx.session.client, task.taskId));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('invalid CallToolResult');
  });

  it('answers a cancelled task with a JSON-RPC error that says so', async () => {
    const task = await createTask(ctx.session.client, 'forever', { key: 'c' });
    const pending = rpcError(taskResult(ctx.session.client, task.taskId));
    await ctx.session.client.experimental.tasks.cancelTask(task.taskId);
    const error = await pending;
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('cancelled');
    expect(error.data).toEqual({ taskId: task.taskId, status: 'cancelled' });
  });

  it('answers -32602 for an unknown task', async () => {
    expect((await rpcError(taskResult(ctx.session.client, 'missing'))).code).toBe(ErrorCode.InvalidParams);
  });

  it('serves many waiting callers of one task, each once', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'many' });
    const calls = Array.from({ length: 5 }, () => taskResult(ctx.session.client, task.taskId));
    // Taken as they settle: in the split an older call is refused as soon as a newer one arrives.
    const allSettled = Promise.allSettled(calls);
    (await ctx.jobs.get('many')).finish();
    const settled = await allSettled;
    if (workerSplit) {
      // Split: the job starts on the worker after the five calls arrived, so they really wait, on
      // one connection: each newer call takes over from the older (-32001, TaskResultHandler's
      // takeOverResultCall); the last one gets the result. In process the task ends first.
      const answered = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.content);
      expect(answered.length).toBeGreaterThanOrEqual(1);
      for (const content of answered) expect(content).toEqual([{ type: 'text', text: 'done many' }]);
      for (const s of settled) if (s.status === 'rejected') expect((s.reason as { code: number }).code).toBe(-32001);
      return;
    }
    for (const s of settled) expect(s.status === 'fulfilled' && s.value.content).toEqual([{ type: 'text', text: 'done many' }]);
  });

  it('works through the SDK client callToolStream', async () => {
    const stream = ctx.session.client.experimental.tasks.callToolStream({ name: 'quick', arguments: { text: 'streamed' } }, undefined, {
      task: {},
    });
    const kinds: string[] = [];
    let final: unknown;
    for await (const message of stream) {
      kinds.push(message.type);
      if (message.type === 'result') final = message.result;
    }
    expect(kinds[0]).toBe('taskCreated');
    expect(kinds.at(-1)).toBe('result');
    expect(final).toMatchObject({ content: [{ type: 'text', text: 'streamed' }] });
  });
});
