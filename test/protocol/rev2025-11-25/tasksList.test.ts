import { describe, expect, it } from 'vitest';
import { ErrorCode, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTask } from '../../support/harness.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession();

describe('tasks/list', () => {
  it('pages with opaque cursors, 10 per page by default, oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await createTask(ctx.session.client, 'quick', { text: `${i}` })).taskId);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.session.client.experimental.tasks.listTasks(cursor);
      expect(page.tasks.length).toBeLessThanOrEqual(10);
      seen.push(...page.tasks.map((t) => t.taskId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('returns no nextCursor when everything fits', async () => {
    await createTask(ctx.session.client, 'quick', { text: 'one' });
    const page = await ctx.session.client.experimental.tasks.listTasks();
    expect(page.tasks).toHaveLength(1);
    expect(page.nextCursor).toBeUndefined();
  });

  it('rejects a cursor it did not issue with -32602', async () => {
    for (const cursor of ['garbage', '', 'bXRhMTp4']) {
      const error = await rpcError(ctx.session.client.request({ method: 'tasks/list', params: { cursor } }, ListTasksResultSchema));
      expect(error.code).toBe(ErrorCode.InvalidParams);
    }
  });

  it('accepts a request without params', async () => {
    const result = await ctx.session.client.request({ method: 'tasks/list' }, ListTasksResultSchema);
    expect(result.tasks).toEqual([]);
  });
});
