import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import type { TaskOutcome, TaskRecord } from '../../src/index.js';

type Where = Pick<RedisTaskBackendOptions, 'url' | 'clusterNodes'>;

/**
 * Live-task limits shared by instances on one Redis or one cluster (`where` picks which): each case
 * would pass a second instance's creation if the count were per process.
 */
export function sharedLimitCases(where: () => Where): void {
  const opened: RedisTaskBackend[] = [];
  let prefix = '';
  const open = async (options: Partial<RedisTaskBackendOptions>): Promise<RedisTaskBackend> => {
    const backend = await createRedisTaskBackend({ ...where(), prefix, ...options });
    opened.push(backend);
    return backend;
  };
  afterEach(async () => {
    while (opened.length > 0) {
      const backend = opened.pop()!;
      await backend.cluster.close();
      await backend.close();
    }
  });
  const record = (owner: string): TaskRecord => {
    const now = new Date().toISOString();
    const taskId = randomBytes(8).toString('hex');
    return { taskId, owner, status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100 };
  };
  const refusal = async (creating: Promise<void>): Promise<{ limit: unknown; max: unknown; message: string }> => {
    const error = await creating.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32029);
    const data = (error as McpError).data as { limit: unknown; max: unknown };
    return { ...data, message: (error as McpError).message };
  };
  const done: TaskOutcome = { type: 'result', result: { content: [] } };

  describe('live-task limits shared by all instances', () => {
    it('counts per caller and in total across two instances, and gives a slot back when a task ends or goes', async () => {
      prefix = `lim${randomBytes(4).toString('hex')}:`;
      const limits = { maxLiveTasksPerCaller: 2, maxLiveTasks: 3 };
      const [a, b] = await Promise.all([open({ liveTaskLimits: limits }), open({ liveTaskLimits: limits })]);
      const first = record('alice');
      await a.store.create(first);
      await b.store.create(record('alice'));
      const mine = await refusal(a.store.create(record('alice')));
      expect(mine).toMatchObject({ limit: 'maxLiveTasksPerCaller', max: 2 });
      expect(mine.message).toContain('on all server instances');
      const bobs = record('bob');
      await b.store.create(bobs);
      expect(await refusal(a.store.create(record('carol')))).toMatchObject({ limit: 'maxLiveTasks', max: 3 });
      // Settled on A (by B, as a cancel from another instance would): alice may start one more.
      await b.store.settle(first.taskId, 'completed', undefined, done);
      await a.store.create(record('alice'));
      // A task deleted (its ttl ran out) gives its slot back too.
      await a.store.delete(bobs.taskId);
      await b.store.create(record('carol'));
      expect(await refusal(b.store.create(record('dave')))).toMatchObject({ limit: 'maxLiveTasks' });
    });

    it('keeps the slots of a live instance past its lease, and returns a dead one’s a lease after its last renewal', async () => {
      prefix = `lim${randomBytes(4).toString('hex')}:`;
      const lease = { leaseMs: 400, renewEveryMs: 100, sweepEveryMs: 100_000, liveTaskLimits: { maxLiveTasksPerCaller: 2 } };
      const handlers = { command: () => {}, lost: () => {}, orphaned: () => {} };
      const [live, dying, other] = await Promise.all([open(lease), open(lease), open(lease)]);
      await live.cluster.start(handlers);
      await dying.cluster.start(handlers);
      for (const backend of [live, dying]) {
        const task = record(backend === live ? 'alice' : 'bob');
        await backend.store.create(task);
        await backend.cluster.claim(task.taskId);
        const second = record(backend === live ? 'alice' : 'bob');
        await backend.store.create(second);
        await backend.cluster.claim(second.taskId);
      }
      // `dying` stops renewing, as a killed process would; `live` goes on.
      await dying.cluster.close();
      const died = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      expect(await refusal(other.store.create(record('alice')))).toMatchObject({ limit: 'maxLiveTasksPerCaller' });
      await other.store.create(record('bob'));
      await other.store.create(record('bob'));
      expect(Date.now() - died).toBeGreaterThanOrEqual(400);
    });

    it('counts a task again on the survivor that takes it over from a dead instance', async () => {
      prefix = `lim${randomBytes(4).toString('hex')}:`;
      const lease = { leaseMs: 400, renewEveryMs: 100, sweepEveryMs: 50, liveTaskLimits: { maxLiveTasksPerCaller: 2 } };
      const [dead, survivor] = await Promise.all([open(lease), open(lease)]);
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const task = record('alice');
        await dead.store.create({ ...task, runner: 'dead' });
        await dead.cluster.claim(task.taskId);
        ids.push(task.taskId);
      }
      // `dead` never renews. Its lease lapses and an admission (bob's) returns its slots before the
      // survivor sweeps and takes both tasks over (the engine would re-run or fail them).
      await new Promise((r) => setTimeout(r, 600));
      await survivor.store.create(record('bob'));
      const adopted: string[] = [];
      await survivor.cluster.start({ command: () => {}, lost: () => {}, orphaned: (id) => void adopted.push(id) });
      const started = Date.now();
      while (adopted.length < 2 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
      expect(adopted.sort()).toEqual([...ids].sort());
      // Well past the dead runner's lease: the survivor renews the slots it counted again.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await refusal(survivor.store.create(record('alice')))).toMatchObject({ limit: 'maxLiveTasksPerCaller' });
      await survivor.store.settle(ids[0]!, 'failed', 'runner died', { type: 'error', error: { code: -32603, message: 'gone' } });
      await survivor.store.create(record('alice'));
    });
  });
}
