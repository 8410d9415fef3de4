import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { ElicitRequestSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LIMIT_EXCEEDED, TaskSupport, defaultTaskLimits } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';
import { rpcError } from '../support/session.js';

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

/** A TaskSupport with the job tools plus `blob` (a result of `bytes` bytes) and `askMany` (`count` elicitations at once). */
async function setUp(options: TaskSupportOptions) {
  const tasks = testTaskSupport(options);
  open.tasks.push(tasks);
  const jobs = new Jobs();
  const connect = async () => {
    const session = await connectInMemory(tasks, (server) => {
      jobs.register(tasks, server);
      tasks.registerTool(
        server,
        'blob',
        { taskSupport: 'optional', inputSchema: { bytes: z.number().int(), fail: z.boolean().default(false) } },
        ({ bytes, fail }) => {
          if (fail) throw new Error('x'.repeat(bytes));
          return { content: [{ type: 'text', text: 'x'.repeat(bytes) }] };
        },
      );
      tasks.registerTool(
        server,
        'askMany',
        { taskSupport: 'required', inputSchema: { count: z.number().int() } },
        async ({ count }, task) => {
          const asks = Array.from({ length: count }, (_, i) =>
            task.elicit({ message: `q${i}`, requestedSchema: { type: 'object', properties: {} } }).then(
              (answer) => answer.action,
              (error: { code?: number; message: string }) => `refused ${error.code}: ${error.message}`,
            ),
          );
          const answers = await Promise.all(asks);
          // Once the answers are in, the slots are free again.
          const again = await task.elicit({ message: 'again', requestedSchema: { type: 'object', properties: {} } });
          return { content: [{ type: 'text', text: [...answers, again.action].join('|') }] };
        },
      );
    });
    open.sessions.push(session);
    return session;
  };
  return { tasks, jobs, connect };
}

describe('limits', () => {
  it('grants the default ttl when none is asked for, and caps a larger ttl at the maximum, reporting it', async () => {
    const { connect } = await setUp({ defaultTtl: 30_000, maxTtl: 60_000 });
    const { client } = await connect();
    const none = await createTask(client, 'quick', { text: 'a' });
    const small = await createTask(client, 'quick', { text: 'b' }, 5_000);
    const huge = await createTask(client, 'quick', { text: 'c' }, 10 * 86_400_000);
    expect([none.ttl, small.ttl, huge.ttl]).toEqual([30_000, 5_000, 60_000]);
    expect((await client.experimental.tasks.getTask(huge.taskId)).ttl).toBe(60_000);
  });

  it('refuses a caller its live task beyond maxLiveTasksPerCaller with -32029, others still admitted, and admits again once one ends', async () => {
    const { jobs, connect } = await setUp({ limits: { maxLiveTasksPerCaller: 3, minPollInterval: 10 } });
    const alice = await connect();
    const bob = await connect();
    const live = [];
    for (let i = 0; i < 3; i++) live.push(await createTask(alice.client, 'job', { key: `a${i}` }));
    const refused = await rpcError(createTask(alice.client, 'job', { key: 'a3' }));
    expect(refused.code).toBe(LIMIT_EXCEEDED);
    expect(refused.message).toMatch(/maxLiveTasksPerCaller 3/);
    expect(refused.data).toEqual({ limit: 'maxLiveTasksPerCaller', max: 3 });
    // The refused call created nothing.
    expect((await alice.client.experimental.tasks.listTasks()).tasks).toHaveLength(3);
    // Bob is another caller.
    await createTask(bob.client, 'job', { key: 'b0' });

    // A completed, a cancelled and an expired task each give their slot back.
    (await jobs.get('a0')).finish();
    await taskResult(alice.client, live[0]!.taskId);
    // The slot comes back when the task's bookkeeping ends, a moment after its outcome is readable
    // (on a loaded Redis Cluster run the first try came too early once).
    await eventually(async () =>
      createTask(alice.client, 'job', { key: `a4-${Math.random()}` }).then(
        () => true,
        () => false,
      ),
    );
    await alice.client.experimental.tasks.cancelTask(live[1]!.taskId);
    await createTask(alice.client, 'forever', { key: 'short' }, 50);
    expect((await rpcError(createTask(alice.client, 'job', { key: 'a5' }))).code).toBe(LIMIT_EXCEEDED);
    await eventually(async () => {
      const again = await createTask(alice.client, 'job', { key: `a6-${Math.random()}` }).then(
        () => true,
        () => false,
      );
      return again;
    });
  });

  it('refuses any new task beyond maxLiveTasks, whoever asks', async () => {
    const { connect } = await setUp({ limits: { maxLiveTasks: 4, minPollInterval: 10 } });
    const one = await connect();
    const two = await connect();
    for (let i = 0; i < 2; i++) await createTask(one.client, 'job', { key: `o${i}` });
    for (let i = 0; i < 2; i++) await createTask(two.client, 'job', { key: `t${i}` });
    const third = await connect();
    const refused = await rpcError(createTask(third.client, 'job', { key: 'x' }));
    expect(refused.code).toBe(LIMIT_EXCEEDED);
    expect(refused.data).toEqual({ limit: 'maxLiveTasks', max: 4 });
    // Plain and inline calls are not tasks: they still run.
    expect(await third.client.callTool({ name: 'blob', arguments: { bytes: 3 } })).toEqual({ content: [{ type: 'text', text: 'xxx' }] });
  });

  it('counts concurrent creations exactly: n parallel calls against a limit of k admit k', async () => {
    const { connect } = await setUp({ limits: { maxLiveTasksPerCaller: 25, minPollInterval: 10 } });
    const { client } = await connect();
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => createTask(client, 'job', { key: `p${i}` })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(25);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: LIMIT_EXCEEDED });
    }
  });

  it('fails a task whose result is larger than maxResultBytes with -32029, and keeps results that fit', async () => {
    const { connect } = await setUp({ limits: { maxResultBytes: 1_000, minPollInterval: 10 } });
    const { client } = await connect();
    const fits = await createTask(client, 'blob', { bytes: 900 });
    expect((await taskResult(client, fits.taskId)).content).toEqual([{ type: 'text', text: 'x'.repeat(900) }]);

    const big = await createTask(client, 'blob', { bytes: 5_000 });
    const error = await rpcError(taskResult(client, big.taskId));
    expect(error.code).toBe(LIMIT_EXCEEDED);
    expect(error.message).toMatch(/Task result of 50\d\d bytes exceeds the limit of 1000 bytes \(maxResultBytes\)/);
    expect(error.data).toMatchObject({ limit: 'maxResultBytes', max: 1_000, taskId: big.taskId });
    expect(await client.experimental.tasks.getTask(big.taskId)).toMatchObject({ status: 'failed' });

    // A thrown error is stored too: an oversized message is refused the same way.
    const loud = await createTask(client, 'blob', { bytes: 5_000, fail: true });
    expect((await rpcError(taskResult(client, loud.taskId))).data).toMatchObject({ limit: 'maxResultBytes' });
    // Inline results are not stored: no limit applies to them.
    expect((await client.callTool({ name: 'blob', arguments: { bytes: 5_000 } })).content).toHaveLength(1);
  });

  it('refuses input requests beyond maxQueuedInputRequests waiting at once, and frees the slots as answers arrive', async () => {
    const { connect } = await setUp({ limits: { maxQueuedInputRequests: 2, minPollInterval: 10 } });
    const { client } = await connect();
    const parked: ((r: ElicitResult) => void)[] = [];
    client.setRequestHandler(ElicitRequestSchema, () => {
      const answer = deferred<ElicitResult>();
      parked.push(answer.resolve);
      return answer.promise;
    });
    const task = await createTask(client, 'askMany', { count: 3 });
    const result = taskResult(client, task.taskId);
    await eventually(() => parked.length === 2);
    parked.splice(0).forEach((answer) => answer({ action: 'accept', content: {} }));
    await eventually(() => parked.length === 1);
    parked[0]!({ action: 'decline' });
    const text = ((await result).content[0] as { text: string }).text;
    expect(text).toBe(
      `accept|accept|refused ${LIMIT_EXCEEDED}: Too many input requests waiting in this task (maxQueuedInputRequests 2)|decline`,
    );
  });

  it('never advertises a pollInterval below minPollInterval', async () => {
    const fast = TaskSupport.inMemory({ pollInterval: 5, logger: { warn: () => {}, error: () => {} } });
    const slow = TaskSupport.inMemory({
      pollInterval: 2_000,
      limits: { minPollInterval: 500 },
      logger: { warn: () => {}, error: () => {} },
    });
    open.tasks.push(fast, slow);
    const jobs = new Jobs();
    for (const [tasks, expected] of [
      [fast, defaultTaskLimits.minPollInterval],
      [slow, 2_000],
    ] as const) {
      const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
      open.sessions.push(session);
      const task = await createTask(session.client, 'quick', { text: 'p' });
      expect(task.pollInterval).toBe(expected);
      expect((await session.client.experimental.tasks.getTask(task.taskId)).pollInterval).toBe(expected);
    }
  });

  it('has safe defaults and rejects nonsense limits at construction', () => {
    expect(defaultTaskLimits).toEqual({
      maxLiveTasks: 100_000,
      maxLiveTasksPerCaller: 10_000,
      maxQueuedInputRequests: 16,
      maxResultBytes: 4 * 1024 * 1024,
      minPollInterval: 100,
      memoryBudget: Math.floor(getHeapStatistics().heap_size_limit / 2),
      taskCreationRate: { perSecond: 50, burst: 500 },
      taskOperationRate: { perSecond: 500, burst: 2_000 },
      maxQueuedNotifications: 1_000,
      maxListensPerCaller: 100,
    });
    for (const bad of [0, 0.5, Number.NaN]) {
      expect(() => TaskSupport.inMemory({ limits: { maxQueuedNotifications: bad } })).toThrow(RangeError);
    }
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => TaskSupport.inMemory({ limits: { maxLiveTasks: bad } })).toThrow(RangeError);
    }
    // 2^31 ms: Node would fire the deadline after 1 ms, failing every store call at once.
    for (const bad of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => TaskSupport.inMemory({ storeTimeout: bad })).toThrow(
        new RangeError(`storeTimeout must be Infinity or a number of ms from 1 to ${2 ** 31 - 1}; got ${bad}`),
      );
    }
    open.tasks.push(TaskSupport.inMemory({ storeTimeout: Infinity }), TaskSupport.inMemory({ storeTimeout: 2 ** 31 - 1 }));
    const unlimited = TaskSupport.inMemory({ limits: { maxLiveTasksPerCaller: Infinity, maxResultBytes: Infinity } });
    open.tasks.push(unlimited);
  });

  it('answers -32603, not a limit error, for a task-augmented call once the server is closing', async () => {
    const { tasks, connect } = await setUp({ limits: { maxLiveTasks: 1, minPollInterval: 10 } });
    const { client } = await connect();
    await tasks.close();
    expect((await rpcError(createTask(client, 'quick', { text: 'late' }))).code).toBe(ErrorCode.InternalError);
  });
});
