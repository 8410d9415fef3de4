import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TasksExtensionClient } from '../../src/client/index.js';
import { LIMIT_EXCEEDED, TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';
import type { LiveTaskCounter } from '../../src/engine/limits.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { rpcError } from '../support/session.js';

// Every way a task ends gives its live-task slot back exactly once: after each path the count is 0
// again (no caller left behind), and the cap admits exactly its number again, never more.

const redis = ownRedis();
const open: { tasks: TaskSupport[]; sessions: Session[]; backends: RedisTaskBackend[] } = { tasks: [], sessions: [], backends: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close().catch(() => {});
  for (const t of open.tasks.splice(0)) await t.close();
  for (const b of open.backends.splice(0)) await b.close();
});

type Backend = 'memory' | 'redis';
const CAP = 2;

async function backendOptions(backend: Backend): Promise<Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>> {
  if (backend === 'memory') return {};
  const made = await createRedisTaskBackend({ url: redis.url, prefix: `d${randomBytes(6).toString('hex')}:` });
  open.backends.push(made);
  return { store: made.store, queue: made.queue, cluster: made.cluster };
}

async function setUp(backend: Backend) {
  const tasks = new TaskSupport({
    ...(await backendOptions(backend)),
    pollInterval: 10,
    minTtl: 0,
    promoteAfter: 50,
    logger: { warn: () => {}, error: () => {} },
    limits: { maxLiveTasksPerCaller: CAP, minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity },
  });
  open.tasks.push(tasks);
  const counter = (tasks as unknown as { liveTasks: LiveTaskCounter }).liveTasks;
  const gates = new Map<string, ReturnType<typeof deferred<'done' | 'throw'>>>();
  const gate = (key: string) => {
    let d = gates.get(key);
    if (!d) gates.set(key, (d = deferred<'done' | 'throw'>()));
    return d;
  };
  const connect = async () => {
    const session = await connectInMemory(tasks, (server) => {
      // Waits for its gate or its cancel.
      tasks.registerTool(server, 'hold', { taskSupport: 'optional', inputSchema: { key: z.string() } }, async ({ key }, task) => {
        const how = await Promise.race([
          gate(key).promise,
          new Promise<never>((_, reject) => task.signal.addEventListener('abort', () => reject(new Error('aborted')))),
        ]);
        if (how === 'throw') throw new Error(`failed ${key}`);
        return { content: [{ type: 'text', text: key }] };
      });
      // Ignores its cancel: runs on until its gate opens.
      tasks.registerTool(server, 'deaf', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }) => {
        await gate(key).promise;
        return { content: [{ type: 'text', text: key }] };
      });
      // Throws before returning a promise.
      tasks.registerTool(server, 'syncThrow', { taskSupport: 'required' }, (() => {
        throw new Error('sync');
      }) as never);
      // A result that is not JSON.
      tasks.registerTool(server, 'bigint', { taskSupport: 'required' }, async () => ({ content: [], big: 1n }) as never);
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        await task.elicit({ message: 'q', requestedSchema: { type: 'object', properties: {} } });
        return { content: [] };
      });
    });
    open.sessions.push(session);
    return session;
  };
  /** The count is back at 0, and the cap admits CAP tasks again, then refuses. */
  const settled = async (client: Session['client']) => {
    await eventually(() => counter.size === 0 && counter.callers === 0);
    const keys = Array.from({ length: CAP }, () => `probe${randomBytes(4).toString('hex')}`);
    const created = [];
    for (const key of keys) created.push(await createTask(client, 'hold', { key }));
    const refused = await rpcError(createTask(client, 'hold', { key: 'over' }));
    expect(refused.code).toBe(LIMIT_EXCEEDED);
    for (const key of keys) gate(key).resolve('done');
    for (const task of created) await taskResult(client, task.taskId);
    await eventually(() => counter.size === 0 && counter.callers === 0);
  };
  return { tasks, counter, gate, connect, settled };
}

describe.each<Backend>(['memory', 'redis'])('live-task count through every end (%s)', (backend) => {
  it('complete, fail, cancel, expire, a sync throw and a result that is not JSON each give the slot back', async () => {
    const { gate, connect, settled, counter } = await setUp(backend);
    const { client } = await connect();

    const done = await createTask(client, 'hold', { key: 'done' });
    const failed = await createTask(client, 'hold', { key: 'fail' });
    expect(counter.size).toBe(2);
    gate('done').resolve('done');
    gate('fail').resolve('throw');
    await taskResult(client, done.taskId);
    expect((await taskResult(client, failed.taskId)).isError).toBe(true);
    await settled(client);

    const cancelled = await createTask(client, 'hold', { key: 'cancel' });
    await client.experimental.tasks.cancelTask(cancelled.taskId);
    await createTask(client, 'hold', { key: 'expire' }, 30);
    await eventually(
      async () => (await client.experimental.tasks.getTask(cancelled.taskId).catch(() => undefined))?.status === 'cancelled',
    );
    await settled(client);

    const sync = await createTask(client, 'syncThrow', {});
    const bigint = await createTask(client, 'bigint', {});
    await taskResult(client, sync.taskId).catch(() => undefined);
    await rpcError(taskResult(client, bigint.taskId));
    await settled(client);
  });

  it('a cancelled work that ignores its signal frees the slot at the cancel, and once only', async () => {
    const { gate, connect, settled, counter } = await setUp(backend);
    const { client } = await connect();
    const deaf = await createTask(client, 'deaf', { key: 'deaf' });
    await client.experimental.tasks.cancelTask(deaf.taskId);
    await eventually(() => counter.size === 0);
    // Its work ends later: nothing is given back twice.
    gate('deaf').resolve('done');
    await settled(client);
  });

  it('a closed session leaves its running task counted until the task ends, then frees it', async () => {
    const { gate, connect, settled, counter } = await setUp(backend);
    const gone = await connect();
    await createTask(gone.client, 'hold', { key: 'orphan' });
    await gone.close();
    expect(counter.size).toBe(1);
    gate('orphan').resolve('done');
    await eventually(() => counter.size === 0 && counter.callers === 0);
    const next = await connect();
    await settled(next.client);
  });

  it('close() fails live tasks and leaves nothing counted', async () => {
    const { tasks, connect, counter } = await setUp(backend);
    const { client } = await connect();
    await createTask(client, 'hold', { key: 'a' });
    await createTask(client, 'ask', {});
    expect(counter.size).toBe(2);
    await tasks.close();
    expect(counter.size).toBe(0);
    expect(counter.callers).toBe(0);
  });

  it('extension calls answered inline, promoted, cancelled or failed leave nothing counted', async () => {
    const { gate, connect, settled, counter } = await setUp(backend);
    const { client } = await connect();
    const extension = new TasksExtensionClient(client, { defaultPollIntervalMs: 10 });
    gate('inline').resolve('done');
    expect(await extension.callTool({ name: 'hold', arguments: { key: 'inline' } })).toEqual({
      content: [{ type: 'text', text: 'inline' }],
    });
    // Promoted (runs past promoteAfter), then completes.
    const promoted = extension.callTool(
      { name: 'hold', arguments: { key: 'promoted' } },
      { onTaskCreated: () => gate('promoted').resolve('done') },
    );
    expect(await promoted).toEqual({ content: [{ type: 'text', text: 'promoted' }] });
    // Promoted, then cancelled through the extension.
    const created = deferred<string>();
    const cancelled = extension
      .callTool({ name: 'hold', arguments: { key: 'extCancel' } }, { onTaskCreated: (t) => created.resolve(t.taskId) })
      .catch((e: unknown) => e);
    await extension.cancelTask(await created.promise);
    await cancelled;
    // Inline, its request cancelled by the client before promotion.
    const abort = new AbortController();
    const aborted = extension.callTool({ name: 'hold', arguments: { key: 'abort' } }, { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    await aborted;
    // Failed inline.
    gate('inlineFail').resolve('throw');
    expect((await extension.callTool({ name: 'hold', arguments: { key: 'inlineFail' } })).isError).toBe(true);
    await eventually(() => counter.size === 0);
    gate('abort').resolve('done');
    await settled(client);
  });

  it('an elicitation a closed client never answers does not hold its slot past the task’s end', async () => {
    const { connect, counter } = await setUp(backend);
    const session = await connect();
    session.client.setRequestHandler(ElicitRequestSchema, () => new Promise(() => {}));
    const task = await session.client.request(
      { method: 'tools/call', params: { name: 'ask', arguments: {}, task: { ttl: 50 } } },
      CreateTaskResultSchema,
    );
    expect(task.task.taskId).toBeTruthy();
    await eventually(() => counter.size === 0 && counter.callers === 0);
  });
});
