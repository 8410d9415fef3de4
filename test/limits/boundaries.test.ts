import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LIMIT_EXCEEDED, TaskSupport } from '../../src/index.js';
import type { TaskLimits, TaskSupportOptions } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, taskResult } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { rpcError } from '../support/session.js';
import { closedAfterEach } from '../support/closedAfterEach.js';

// Each count limit at, below and one past its value, through a real SDK client, on both backends.

const redis = ownRedis();
const open = closedAfterEach();

type Backend = 'memory' | 'redis';
const textResult = (text: string) => ({ content: [{ type: 'text' as const, text }] });
const resultBytes = (text: string) => Buffer.byteLength(JSON.stringify(textResult(text)));

async function setUp(backend: Backend, limits: TaskLimits) {
  let backendOptions: Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'> = {};
  if (backend === 'redis') {
    const made = await createRedisTaskBackend({ url: redis.url, prefix: `b${randomBytes(6).toString('hex')}:` });
    open.backends.push(made);
    backendOptions = { store: made.store, queue: made.queue, cluster: made.cluster };
  }
  const tasks = new TaskSupport({
    ...backendOptions,
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
    limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity, ...limits },
  });
  open.tasks.push(tasks);
  const gate = deferred<void>();
  const connect = async () => {
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'text', { taskSupport: 'required', inputSchema: { text: z.string() } }, async ({ text }) =>
        textResult(text),
      );
      tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async () => {
        await gate.promise;
        return textResult('held');
      });
      tasks.registerTool(server, 'asks', { taskSupport: 'required', inputSchema: { count: z.number().int() } }, async ({ count }, task) => {
        const answers = await Promise.all(
          Array.from({ length: count }, () =>
            task.elicit({ message: 'q', requestedSchema: { type: 'object', properties: {} } }).then(
              (a) => a.action,
              (e: { code?: number }) => `refused ${e.code}`,
            ),
          ),
        );
        return textResult(answers.join(','));
      });
    });
    session.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: {} }));
    open.sessions.push(session);
    return session;
  };
  return { connect, open: () => gate.resolve() };
}

describe.each<Backend>(['memory', 'redis'])('limits at, below and past their value (%s)', (backend) => {
  it('maxResultBytes: a result of exactly the limit is kept, one byte more fails the task with the size', async () => {
    const text = '€'.repeat(100); // 3 bytes each in UTF-8: measured as stored, not as characters
    const max = resultBytes(text);
    const { connect } = await setUp(backend, { maxResultBytes: max });
    const { client } = await connect();
    const at = await createTask(client, 'text', { text });
    expect((await taskResult(client, at.taskId)).content).toEqual(textResult(text).content);
    const below = await createTask(client, 'text', { text: text.slice(1) });
    expect((await taskResult(client, below.taskId)).content).toEqual(textResult(text.slice(1)).content);
    const past = await createTask(client, 'text', { text: `${text}a` });
    const error = await rpcError(taskResult(client, past.taskId));
    expect(error.code).toBe(LIMIT_EXCEEDED);
    expect(error.data).toMatchObject({ limit: 'maxResultBytes', max, actual: max + 1 });
  });

  it('maxLiveTasks and maxLiveTasksPerCaller admit exactly their number', async () => {
    const { connect, open: release } = await setUp(backend, { maxLiveTasks: 3, maxLiveTasksPerCaller: 2 });
    const a = await connect();
    const b = await connect();
    const held = [await createTask(a.client, 'hold', {}), await createTask(a.client, 'hold', {})];
    expect((await rpcError(createTask(a.client, 'hold', {}))).data).toEqual({ limit: 'maxLiveTasksPerCaller', max: 2 });
    held.push(await createTask(b.client, 'hold', {}));
    expect((await rpcError(createTask(b.client, 'hold', {}))).data).toEqual({ limit: 'maxLiveTasks', max: 3 });
    release();
    for (const [i, task] of held.entries()) await taskResult(i < 2 ? a.client : b.client, task.taskId);
  });

  it('maxQueuedInputRequests: that many asks wait at once, one more is refused inside the work', async () => {
    const { connect } = await setUp(backend, { maxQueuedInputRequests: 3 });
    const { client } = await connect();
    const at = await createTask(client, 'asks', { count: 3 });
    expect((await taskResult(client, at.taskId)).content).toEqual(textResult('accept,accept,accept').content);
    const past = await createTask(client, 'asks', { count: 4 });
    expect((await taskResult(client, past.taskId)).content).toEqual(textResult(`accept,accept,accept,refused ${LIMIT_EXCEEDED}`).content);
  });
});
