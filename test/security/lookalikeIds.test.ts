import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, eventually } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';

/*
 * One caller's task, reached by another caller through every task method of both protocols, by its
 * exact id and by ids that differ from it only by case, whitespace, a prefix or suffix, Redis key
 * syntax (`:`, `{`, `}`) or glob characters: each answer must be the one a never-created id gets.
 * In memory and on a real Redis (where an id becomes part of a key name). Guards: they pass on the
 * code as found.
 */

const redis = ownRedis();
const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };
const FORM = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } } };

/** Ids that look like `id` without being it. */
function lookalikes(id: string): string[] {
  return [
    id.toUpperCase(),
    id.toLowerCase(),
    ` ${id}`,
    `${id} `,
    `${id}\n`,
    `${id}\u0000`,
    id.normalize('NFKD') === id ? `${id}\u0301` : id.normalize('NFKD'),
    `mta:${id}`,
    `mta:{${id}}:task`,
    `{${id}}`,
    `${id}}:task`,
    `${id}:outcome`,
    id.slice(0, -1),
    `${id.slice(0, -1)}*`,
    `${id.slice(0, -1)}?`,
    `${id.slice(0, -1)}[${id.slice(-1)}]`,
    '*',
    '?',
    '[a-z]*',
    `${id}${'x'.repeat(1000)}`,
  ];
}

/** The error a request answered (code and message with the asked id taken out), or the result it got. */
async function outcomeOf(call: Promise<unknown>, taskId: string): Promise<unknown> {
  try {
    return { result: await call };
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    return { code: error.code, message: error.message.split(taskId).join('<id>'), data: error.data };
  }
}

/** Every task method of both protocols, asked by `client` about `taskId`. */
function everyMethod(client: Client, taskId: string): Record<string, Promise<unknown>> {
  const rev2025 = (method: string): Promise<unknown> => client.request({ method, params: { taskId } }, z.looseObject({}));
  const ext = (method: string, extra: Record<string, unknown> = {}): Promise<unknown> =>
    client.request({ method, params: { taskId, ...extra, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } } }, z.looseObject({}));
  return {
    'tasks/get': rev2025('tasks/get'),
    'tasks/result': rev2025('tasks/result'),
    'tasks/cancel': rev2025('tasks/cancel'),
    'ext tasks/get': ext('tasks/get'),
    'ext tasks/update': ext('tasks/update', { inputResponses: { 'mta-00000000-1~x': { action: 'accept', content: { ok: true } } } }),
    'ext tasks/cancel': ext('tasks/cancel'),
  };
}

/** What `client` gets from every method for `taskId`, the id taken out of each message. */
async function answersFor(client: Client, taskId: string): Promise<Record<string, unknown>> {
  // Each call's outcome taken as the call is made: a rejection awaited later would be unhandled meanwhile.
  const outcomes = Object.entries(everyMethod(client, taskId)).map(([method, call]) => [method, outcomeOf(call, taskId)] as const);
  const answers: Record<string, unknown> = {};
  for (const [method, outcome] of outcomes) answers[method] = await outcome;
  return answers;
}

describe.each(['memory', 'redis'] as const)('lookalike and foreign task ids (%s store)', (backendName) => {
  let tasks: TaskSupport;
  let backend: RedisTaskBackend | undefined;
  let alice: Session;
  let mallory: Session;

  beforeEach(async () => {
    backend =
      backendName === 'redis'
        ? await createRedisTaskBackend({ url: redis.url, prefix: `ids${randomBytes(4).toString('hex')}:` })
        : undefined;
    const stores = backend ? { store: backend.store, queue: backend.queue, cluster: backend.cluster } : {};
    tasks = new TaskSupport({ ...stores, pollInterval: 10, logger: { warn: () => {}, error: () => {} }, limits: { minPollInterval: 10 } });
    const tools = (server: Parameters<Parameters<typeof connectInMemory>[1]>[0]): void => {
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'ok?', requestedSchema: FORM });
        return { content: [{ type: 'text', text: answer.action }] };
      });
      tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async (_args, task) => {
        await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
        return { content: [] };
      });
    };
    alice = await connectInMemory(tasks, tools, {});
    mallory = await connectInMemory(tasks, tools, {});
  });

  afterEach(async () => {
    await alice.close();
    await mallory.close();
    await tasks.close();
    await backend?.close();
  });

  it('answers a stranger, for the exact id and every lookalike, exactly as for an id never created', async () => {
    const ext = { _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } };
    // Created as an extension task: its question waits in inputRequests, for tasks/update.
    const created = await alice.client.request({ method: 'tools/call', params: { name: 'ask', arguments: {}, ...ext } }, z.looseObject({}));
    const task = { taskId: created['taskId'] as string };
    let key = '';
    await eventually(async () => {
      const detailed = await alice.client.request({ method: 'tasks/get', params: { taskId: task.taskId, ...ext } }, z.looseObject({}));
      key = Object.keys((detailed['inputRequests'] ?? {}) as object)[0] ?? '';
      return key !== '';
    });
    const missing = await answersFor(mallory.client, randomBytes(16).toString('base64url'));
    for (const answer of Object.values(missing))
      expect(answer).toMatchObject({ code: -32602, message: 'MCP error -32602: Task not found: <id>' });
    for (const id of [task.taskId, ...lookalikes(task.taskId)]) {
      const shown = id.length > 100 || id.includes('\n') || id.includes('\u0000') ? undefined : id;
      const answers = await answersFor(mallory.client, id);
      if (shown !== undefined) expect(answers, JSON.stringify(id)).toEqual(missing);
      else for (const answer of Object.values(answers)) expect(answer, JSON.stringify(id)).toMatchObject({ code: -32602 });
    }
    // Alice's own lookalikes reach nothing either.
    for (const id of lookalikes(task.taskId)) {
      expect(
        (await outcomeOf(alice.client.request({ method: 'tasks/get', params: { taskId: id } }, z.looseObject({})), id)) as object,
      ).toMatchObject({
        code: -32602,
      });
    }
    // A stranger's tasks/update carrying the real key, on its own task and on Alice's: nothing delivered.
    const own = await createTask(mallory.client, 'hold', {});
    await mallory.client.request(
      {
        method: 'tasks/update',
        params: { taskId: own.taskId, inputResponses: { [key]: { action: 'accept', content: { ok: true } } }, ...ext },
      },
      z.looseObject({}),
    );
    expect(await mallory.client.experimental.tasks.listTasks()).toMatchObject({ tasks: [{ taskId: own.taskId }] });
    // Everything the stranger sent changed nothing: Alice's task still waits, and her answer ends it.
    const after = await alice.client.request({ method: 'tasks/get', params: { taskId: task.taskId, ...ext } }, z.looseObject({}));
    expect(after).toMatchObject({ status: 'input_required', inputRequests: { [key]: { method: 'elicitation/create' } } });
    await alice.client.request(
      {
        method: 'tasks/update',
        params: { taskId: task.taskId, inputResponses: { [key]: { action: 'accept', content: { ok: true } } }, ...ext },
      },
      z.looseObject({}),
    );
    await eventually(async () => (await alice.client.experimental.tasks.getTask(task.taskId)).status === 'completed');
    expect((await alice.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
  });
});
