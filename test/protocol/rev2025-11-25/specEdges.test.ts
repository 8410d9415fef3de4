import { describe, expect, it } from 'vitest';
import { CreateTaskResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Progress, Task } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

/*
 * Edge cases of tasks.mdx (protocol revision 2025-11-25) that the method-by-method files leave
 * out, each under the requirement it pins.
 */

const ctx = useJobSession();
const RELATED = 'io.modelcontextprotocol/related-task';
/** RFC 3339 date-time, as `Date.prototype.toISOString` writes it (the spec's "ISO 8601"). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A 2025-11-25 request sent as is (no per-request capabilities). */
function raw(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return ctx.session.client.request({ method, params }, z.looseObject({}));
}

/** What "all task responses" must carry (TTL and Resource Management, items 1, 2 and 4). */
function expectTaskFields(task: Record<string, unknown>): void {
  expect(task['createdAt']).toMatch(ISO_8601);
  expect(task['lastUpdatedAt']).toMatch(ISO_8601);
  expect(Date.parse(task['lastUpdatedAt'] as string)).toBeGreaterThanOrEqual(Date.parse(task['createdAt'] as string));
  expect(typeof task['ttl']).toBe('number');
  expect(task).not.toHaveProperty('_meta');
}

describe('tasks.mdx 2025-11-25: edge cases', () => {
  it('tasks/get, tasks/result and tasks/cancel act on params.taskId and ignore a related-task _meta naming another task', async () => {
    const target = await createTask(ctx.session.client, 'job', { key: 'target' });
    const other = await createTask(ctx.session.client, 'job', { key: 'other' });
    const elsewhere = { _meta: { [RELATED]: { taskId: other.taskId } } };

    expect(await raw('tasks/get', { taskId: target.taskId, ...elsewhere })).toMatchObject({ taskId: target.taskId });
    const result = raw('tasks/result', { taskId: target.taskId, ...elsewhere });
    (await ctx.jobs.get('target')).finish({ content: [{ type: 'text', text: 'target done' }] });
    expect(await result).toEqual({
      content: [{ type: 'text', text: 'target done' }],
      _meta: { [RELATED]: { taskId: target.taskId } },
    });
    // Cancel names the other task in _meta but the finished one in params: -32602 for that one, the other runs on.
    const refused = await rpcError(raw('tasks/cancel', { taskId: target.taskId, ...elsewhere }));
    expect(refused.code).toBe(ErrorCode.InvalidParams);
    expect((await ctx.session.client.experimental.tasks.getTask(other.taskId)).status).toBe('working');
    const cancelled = await raw('tasks/cancel', { taskId: other.taskId, _meta: { [RELATED]: { taskId: target.taskId } } });
    expect(cancelled).toMatchObject({ taskId: other.taskId, status: 'cancelled' });
  });

  it('carries createdAt, lastUpdatedAt (ISO 8601) and ttl in every task response, and a new task starts working', async () => {
    const created = await ctx.session.client.request(
      { method: 'tools/call', params: { name: 'job', arguments: { key: 'fields' }, task: {} } },
      CreateTaskResultSchema,
    );
    expect(created.task.status).toBe('working');
    expectTaskFields(created.task);
    const taskId = created.task.taskId;
    const job = await ctx.jobs.get('fields');
    await job.task.status('half way');
    expectTaskFields(await raw('tasks/get', { taskId }));
    const listed = (await raw('tasks/list', {}))['tasks'] as Record<string, unknown>[];
    expect(listed.map((t) => t['taskId'])).toEqual([taskId]);
    listed.forEach(expectTaskFields);
    expectTaskFields(await raw('tasks/cancel', { taskId }));
    const pushed = ctx.session.notifications.filter((n) => n.method === 'notifications/tasks/status');
    expect(pushed.length).toBeGreaterThan(0);
    for (const n of pushed) expectTaskFields(n.params as Record<string, unknown>);
  });

  it('rejects tasks/cancel of a failed task with -32602 and keeps it failed with its error', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'failing' });
    (await ctx.jobs.get('failing')).fail(new McpError(-32001, 'upstream gone'));
    expect((await rpcError(taskResult(ctx.session.client, task.taskId))).code).toBe(-32001);
    const refused = await rpcError(ctx.session.client.experimental.tasks.cancelTask(task.taskId));
    expect(refused.code).toBe(ErrorCode.InvalidParams);
    const after = await ctx.session.client.experimental.tasks.getTask(task.taskId);
    expect(after.status).toBe('failed');
    // Task Execution Errors: tasks/get SHOULD carry a diagnostic statusMessage for a failed task.
    expect(after.statusMessage).toContain('upstream gone');
    expect((await rpcError(taskResult(ctx.session.client, task.taskId))).code).toBe(-32001);
  });

  it('sends task progress on the tools/call progressToken after the CreateTaskResult, with the related-task _meta', async () => {
    const progress: Progress[] = [];
    const created = await ctx.session.client.request(
      { method: 'tools/call', params: { name: 'job', arguments: { key: 'progress' }, task: {} } },
      CreateTaskResultSchema,
      { onprogress: (p) => void progress.push(p) },
    );
    const job = await ctx.jobs.get('progress');
    await job.task.progress(1, 2, 'first half');
    job.finish();
    // Pushed on the session's stream, or carried by tasks/result before its answer.
    expect((await taskResult(ctx.session.client, created.task.taskId)).content).toEqual([{ type: 'text', text: 'done progress' }]);
    await eventually(() => progress.length === 1);
    expect(progress[0]).toMatchObject({
      progress: 1,
      total: 2,
      message: 'first half',
      _meta: { [RELATED]: { taskId: created.task.taskId } },
    });
  });

  it('lists every task tasks/get can see, and no other caller’s', async () => {
    const first: Task = await createTask(ctx.session.client, 'quick', { text: 'first' });
    const second: Task = await createTask(ctx.session.client, 'job', { key: 'second' });
    const outsider = await ctx.connect();
    const theirs = await createTask(outsider.client, 'quick', { text: 'theirs' });
    const listed = (await ctx.session.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    expect(listed).toEqual([first.taskId, second.taskId]);
    for (const taskId of listed) expect((await ctx.session.client.experimental.tasks.getTask(taskId)).taskId).toBe(taskId);
    expect((await rpcError(ctx.session.client.experimental.tasks.getTask(theirs.taskId))).code).toBe(ErrorCode.InvalidParams);
    (await ctx.jobs.get('second')).finish();
  });
});
