import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GetTaskResultSchema, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TaskSupport } from '../../src/index.js';
import type { TaskLimits, TaskSupportOptions } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, taskResult } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { closedAfterEach } from '../support/closedAfterEach.js';

// Limits given in options: refused clearly at construction (RangeError naming the option), or
// working as docs/limits.md says through real clients; never a failure later.

const redis = ownRedis();
const open = closedAfterEach();

type Backend = 'memory' | 'redis';
const COUNTS = [
  'maxLiveTasks',
  'maxLiveTasksPerCaller',
  'maxQueuedInputRequests',
  'maxQueuedNotifications',
  'maxListensPerCaller',
] as const;
const AMOUNTS = ['maxResultBytes', 'minPollInterval', 'memoryBudget'] as const;

async function backendOptions(backend: Backend): Promise<Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>> {
  if (backend === 'memory') return {};
  const made = await createRedisTaskBackend({ url: redis.url, prefix: `o${randomBytes(6).toString('hex')}:` });
  open.backends.push(made);
  return { store: made.store, queue: made.queue, cluster: made.cluster };
}

async function serve(backend: Backend, options: TaskSupportOptions) {
  const tasks = new TaskSupport({ ...(await backendOptions(backend)), logger: { warn: () => {}, error: () => {} }, ...options });
  open.tasks.push(tasks);
  const gate = deferred<void>();
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'hold', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }) => {
      await gate.promise;
      return { content: [{ type: 'text', text: String(n) }] };
    });
  });
  open.sessions.push(session);
  return { client: session.client, open: () => gate.resolve() };
}

describe('limits options at construction', () => {
  it.each([...COUNTS, ...AMOUNTS])('%s: 0, negative, NaN, -Infinity, a string or null throw a RangeError naming it', (key) => {
    for (const bad of [0, -1, 0.5, NaN, -Infinity, '5', null]) {
      expect(() => new TaskSupport({ limits: { [key]: bad } as unknown as TaskLimits })).toThrow(
        new RangeError(`${key} must be at least 1 (or Infinity), got ${String(bad)}`),
      );
    }
  });

  it.each(COUNTS)('%s: a fraction of a count throws (it meant the next whole number up)', (key) => {
    expect(() => new TaskSupport({ limits: { [key]: 2.5 } })).toThrow(
      new RangeError(`${key} must be a whole number of at least 1 (or Infinity), got 2.5`),
    );
  });

  it('a key that is no limit option, or limits that are no object, throw a TypeError naming it (a typo left its limit at the default)', () => {
    const options =
      'maxLiveTasks, maxLiveTasksPerCaller, maxQueuedInputRequests, maxResultBytes, minPollInterval, memoryBudget, taskCreationRate, taskOperationRate, maxQueuedNotifications, maxListensPerCaller';
    expect(() => new TaskSupport({ limits: { maxLiveTask: 5 } as unknown as TaskLimits })).toThrow(
      new TypeError(`limits has no option maxLiveTask; its options are ${options}`),
    );
    expect(() => new TaskSupport({ limits: { maxLiveTasks: 5, maxTtl: 10 } as unknown as TaskLimits })).toThrow(
      new TypeError(`limits has no option maxTtl; its options are ${options}`),
    );
    for (const [bad, said] of [
      ['100', '100'],
      [[], 'an array'],
      [5, '5'],
    ] as const)
      expect(() => new TaskSupport({ limits: bad as unknown as TaskLimits })).toThrow(
        new TypeError(`limits must be an object of limit options, got ${said}`),
      );
  });

  it('byte and ms amounts may be fractions', async () => {
    for (const key of AMOUNTS) await new TaskSupport({ limits: { [key]: 1e9 + 0.5 } }).close();
  });

  it.each([0, -1, NaN, '5', { perSecond: 1 }, { perSecond: 1, burst: 0.5 }, { perSecond: -1, burst: 5 }])(
    'a rate of %o throws a RangeError naming it',
    (bad) => {
      expect(() => new TaskSupport({ limits: { taskCreationRate: bad as unknown as number } })).toThrow(
        /^taskCreationRate\.(perSecond|burst) must be/,
      );
      expect(() => new TaskSupport({ limits: { taskOperationRate: bad as unknown as number } })).toThrow(
        /^taskOperationRate\.(perSecond|burst) must be/,
      );
    },
  );

  it.each([
    ['pageSize', 2.5],
    ['defaultTtl', 1500.5],
    ['maxTtl', 86_400_000.5],
    ['pollInterval', 10.5],
  ] as const)('%s %s (not a whole number) throws a RangeError naming it', (key, value) => {
    expect(() => new TaskSupport({ [key]: value })).toThrow(new RegExp(`^${key} must be a positive whole number`));
  });

  it.each([
    ['maxLiveTasks', 0],
    ['maxLiveTasksPerCaller', 2.5],
    ['maxLiveTasks', NaN],
    ['maxLiveTasksPerCaller', -3],
  ] as const)('shared %s %s on Redis is refused before any client connects', async (key, value) => {
    const before = clientCount(await redis.admin.client('LIST'));
    await expect(createRedisTaskBackend({ url: redis.url, liveTaskLimits: { [key]: value } })).rejects.toThrow(
      new RangeError(`${key} must be a whole number of at least 1 (or Infinity), got ${String(value)}`),
    );
    // Refused after connecting, its two clients stayed open and reconnecting, with no handle to close them.
    expect(clientCount(await redis.admin.client('LIST'))).toBe(before);
  });
});

describe.each<Backend>(['memory', 'redis'])('limits at Infinity through a real client (%s)', (backend) => {
  it('every limit off: tasks are created, polled, listed and read, with a finite pollInterval', async () => {
    const limits: TaskLimits = Object.fromEntries(
      [...COUNTS, ...AMOUNTS, 'taskCreationRate', 'taskOperationRate'].map((k) => [k, Infinity]),
    );
    const { client, open: release } = await serve(backend, { pollInterval: 25, limits });
    const created = await Promise.all(Array.from({ length: 5 }, (_, n) => createTask(client, 'hold', { n })));
    for (const task of created) expect(task.pollInterval).toBe(25);
    const got = await client.request({ method: 'tasks/get', params: { taskId: created[0]!.taskId } }, GetTaskResultSchema);
    expect(got.pollInterval).toBe(25);
    expect((await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks).toHaveLength(5);
    release();
    expect((await taskResult(client, created[4]!.taskId)).content).toEqual([{ type: 'text', text: '4' }]);
  });

  it('minPollInterval at its floor and above: the advertised pollInterval is raised to it, never lowered', async () => {
    const { client } = await serve(backend, { pollInterval: 50, limits: { minPollInterval: 50 } });
    expect((await createTask(client, 'hold', { n: 1 })).pollInterval).toBe(50);
    const raised = await serve(backend, { pollInterval: 50, limits: { minPollInterval: 51 } });
    expect((await createTask(raised.client, 'hold', { n: 1 })).pollInterval).toBe(51);
  });
});

function clientCount(list: unknown): number {
  return String(list).trim().split('\n').length;
}
