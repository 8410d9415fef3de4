/**
 * A task created under 2025-11-25 (`params.task`) whose work asks with `elicitAsTask` of a client
 * that declared task-augmented elicitation: the request is queued task-augmented (`params.task`),
 * and the 2026 extension's `tasks/get` of the same session lists it in `inputRequests`, where the
 * client can answer it with `tasks/update`. The extension has no client-side tasks: its answer is
 * the request's own result (an ElicitResult), which `tasks/update` checks it against and
 * acknowledges. (The listed request carries `params.task` too, which no extension answer can honour.)
 *
 * The work's ask takes that plain answer as the follow's result (a receiver may run a task-augmented
 * request without a task): before, it waited for a CreateTaskResult only, so the acknowledged
 * ElicitResult was refused there and the task failed with -32602 "Invalid answer from the client:
 * task: …", blaming the client for the answer the server had accepted; a CreateTaskResult is refused
 * by `tasks/update` itself (checked as an ElicitResult, engine/answers.ts answerSchemaFor). So no
 * answer through the extension could reach the work.
 *
 * With the work on a worker (the redis-workers project) `elicitAsTask` sends the plain request (a
 * worker holds no client session to follow a client task on: docs/redis.md, "Worker pools"): the
 * same answer reaches the work there too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import { connectInMemory, createTask, eventually, serverSdkLine, taskResult, testTaskSupport, workerSplit } from '../../support/harness.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A 2026-style request that declares the tasks extension. */
function extensionRequest(client: Client, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const meta = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } } };
  return client.request({ method, params: { ...params, _meta: meta } }, z.looseObject({}));
}

/**
 * A 2025-11-25 task of `ask` (its work: `elicitAsTask`, answered with what it got) for a client
 * that declared task-augmented elicitation and parks every elicitation pushed to it unanswered;
 * resolves once the extension's `tasks/get` lists the request: the task id, the request's key and
 * the request as listed.
 */
async function askedTask() {
  const tasks = testTaskSupport();
  cleanups.push(() => tasks.close());
  const session = await connectInMemory(
    tasks,
    (server) =>
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
        return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
      }),
    { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } },
  );
  cleanups.push(() => session.close());
  // Pushed on the session too (no tasks/result is open): parked there, the extension's answer is the one that counts.
  session.client.setRequestHandler(ElicitRequestSchema, () => new Promise<never>(() => {}));
  const { taskId } = await createTask(session.client, 'ask', {});
  let listed: Record<string, { method: string; params?: Record<string, unknown> }> = {};
  await eventually(async () => {
    const view = await extensionRequest(session.client, 'tasks/get', { taskId });
    listed = (view['inputRequests'] as typeof listed | undefined) ?? {};
    return Object.keys(listed).length > 0;
  });
  const [key] = Object.keys(listed);
  return { tasks, client: session.client, taskId, key: key!, request: listed[key!]! };
}

describe(`a 2025-11-25 task's elicitAsTask answered through the tasks extension (SDK ${serverSdkLine} server)`, () => {
  it('(setup) the request is listed with its method and form, and was asked task-augmented (plainly on a worker)', async () => {
    const { tasks, taskId, key, request } = await askedTask();
    expect(request.method).toBe('elicitation/create');
    expect(request.params).toMatchObject({ message: 'ok?', requestedSchema });
    const asked = (await tasks.queue.outstanding(taskId)).find((r) => r.requestId === key);
    if (workerSplit) expect(asked?.message.params).not.toHaveProperty('task');
    else expect(asked?.message.params).toHaveProperty('task', {});
  });

  it('(control) tasks/update refuses a CreateTaskResult as its answer: it is checked as an ElicitResult', async () => {
    const { client, taskId, key } = await askedTask();
    const now = new Date().toISOString();
    const created = { task: { taskId: 'client-task-1', status: 'working', ttl: null, createdAt: now, lastUpdatedAt: now } };
    await expect(extensionRequest(client, 'tasks/update', { taskId, inputResponses: { [key]: created } })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining(`Invalid inputResponses["${key}"]: action`),
    });
  });

  it('an ElicitResult that tasks/update acknowledged reaches the work, and the task completes with it', async () => {
    const { client, taskId, key } = await askedTask();
    const answer = { action: 'accept', content: { ok: true } };
    expect(await extensionRequest(client, 'tasks/update', { taskId, inputResponses: { [key]: answer } })).toEqual({
      resultType: 'complete',
    });
    expect((await taskResult(client, taskId)).content).toEqual([{ type: 'text', text: JSON.stringify(answer) }]);
  });
});
