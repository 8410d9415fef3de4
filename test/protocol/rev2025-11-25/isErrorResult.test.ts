// MCP 2025-11-25, tasks: "failed: … For tool calls specifically, this includes cases where the tool
// call result has `isError` set to true", with a statusMessage SHOULD. Before, such a task was stored
// `completed`. Its result is still what tasks/result returns; the extension (whose `failed` carries a
// JSON-RPC error) shows it `completed` with that result, as a thrown Error's result.
import { expect, it } from 'vitest';
import { z } from 'zod';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { useJobSession } from '../../support/session.js';

const ctx = useJobSession();

it('a task whose tool returns isError: true is failed with its first text as status message, and tasks/result returns the result', async () => {
  const task = await createTask(ctx.session.client, 'job', { key: 'e' });
  (await ctx.jobs.get('e')).finish({ content: [{ type: 'text', text: 'bad input' }], isError: true });
  expect(await taskResult(ctx.session.client, task.taskId)).toMatchObject({
    content: [{ type: 'text', text: 'bad input' }],
    isError: true,
  });
  const got = await ctx.session.client.experimental.tasks.getTask(task.taskId);
  expect(got).toMatchObject({ status: 'failed', statusMessage: 'bad input' });
  const detailed = await ctx.session.client.request(
    {
      method: 'tasks/get',
      params: {
        taskId: task.taskId,
        _meta: { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
      },
    },
    z.looseObject({}),
  );
  expect(detailed).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'bad input' }], isError: true } });
});

it('an isError result with no text fails with a generic status message, a long text is cut; one without isError completes', async () => {
  const failed = await createTask(ctx.session.client, 'job', { key: 'f' });
  (await ctx.jobs.get('f')).finish({ content: [{ type: 'image', data: 'AA==', mimeType: 'image/png' }], isError: true });
  await eventually(async () => (await ctx.session.client.experimental.tasks.getTask(failed.taskId)).status === 'failed');
  expect((await ctx.session.client.experimental.tasks.getTask(failed.taskId)).statusMessage).toBe('The tool returned an error result');
  const long = await createTask(ctx.session.client, 'job', { key: 'l' });
  (await ctx.jobs.get('l')).finish({ content: [{ type: 'text', text: 'x'.repeat(1_500) }], isError: true });
  await eventually(async () => (await ctx.session.client.experimental.tasks.getTask(long.taskId)).status === 'failed');
  // Cut at 1,000 characters: the status message repeats the stored result's text.
  expect((await ctx.session.client.experimental.tasks.getTask(long.taskId)).statusMessage).toBe(`${'x'.repeat(1_000)}…`);
  const completed = await createTask(ctx.session.client, 'job', { key: 'g' });
  (await ctx.jobs.get('g')).finish({ content: [{ type: 'text', text: 'fine' }], isError: false });
  expect(await taskResult(ctx.session.client, completed.taskId)).toMatchObject({ content: [{ type: 'text', text: 'fine' }] });
  expect((await ctx.session.client.experimental.tasks.getTask(completed.taskId)).status).toBe('completed');
});
