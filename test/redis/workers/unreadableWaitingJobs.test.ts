import { Queue } from 'bullmq';
import type { RedisClient } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { TaskJob } from '../../../src/backends/TaskPlacement.js';
import { WaitingJobs } from '../../../src/bullmq/waitingJobs.js';
import { useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

// The pool's record of waiting jobs (a hash in Redis, waitingJobs.ts) may hold entries this version
// did not write: by hand, another application on the prefix, an older or later format. A read
// skipped such an entry and left it: it stayed until the hash's expiry, which every new job's
// deadline pushes further out, read and skipped by every check of every front. Now the read that
// finds one drops it (unless it changed since it was read), with one warning through the pool's
// logger, and goes on with the entries it can read.
const pools = useWorkerPools('uwj');

/** A front pool that records its jobs, its warnings, and a client on the record's hash. */
function recordingFront(s: PoolSplit) {
  const warnings: string[] = [];
  const logger = { warn: (line: string) => void warnings.push(line), error: (): void => {} };
  const pool = s.pool('front', { lostJobCheckMs: 60_000, logger });
  s.later(() => pool.close());
  const redis = new Redis(s.url);
  s.later(async () => redis.disconnect());
  return { pool, warnings, redis, key: `${s.jobsPrefix}:mta-pool:waiting` };
}

function job(taskId: string, deadline = Date.now() + 60_000): TaskJob {
  return { taskId, tool: 'job', args: {}, owner: 'alice', restartable: false, front: 'front-1', deadline };
}

const BAD: Record<string, string> = {
  'not-json': '{tool',
  'no-object': '42',
  'no-tool': JSON.stringify({ front: 'front-1', until: Date.now() + 60_000 }),
  'no-deadline': JSON.stringify({ tool: 'job', front: 'front-1', until: 'tomorrow' }),
};

describe('unreadable entries of a worker pool’s record of waiting jobs', () => {
  it('are dropped by the check that reads them, with a warning each; the readable entries still work', async () => {
    const s = pools.split();
    const { pool, warnings, redis, key } = recordingFront(s);
    // A job in its queue (recorded by its dispatch), and a recorded one whose job left it.
    await pool.dispatch(job('queued'));
    await redis.hset(key, 'lost', JSON.stringify({ tool: 'job', front: 'front-1', until: Date.now() + 60_000 }));
    await redis.hset(key, BAD);

    const lost = await pool.lostJobs();

    expect(lost).toEqual([{ taskId: 'lost', front: 'front-1', neverAdded: false }]);
    expect((await redis.hkeys(key)).sort()).toEqual(['lost', 'queued']);
    expect(warnings.sort()).toEqual(
      [
        ['no-deadline', 'its deadline (until) is no number'],
        ['no-object', 'its value is no object'],
        ['no-tool', 'its tool is no string'],
        ['not-json', 'its value is not JSON'],
      ].map(
        ([taskId, reason]) =>
          `mcp-task-actors: dropped the unreadable entry of task "${taskId}" from the worker pool's record of waiting jobs (${key}): ${reason}`,
      ),
    );
  });

  it('is dropped by the read of one task (a withdraw), and the task’s job is still withdrawn from the queues open here', async () => {
    const s = pools.split();
    const { pool, warnings, redis, key } = recordingFront(s);
    await pool.dispatch(job('t1'));
    await pool.dispatch(job('t2'));
    await redis.hset(key, 't1', 'garbage');

    await pool.withdraw('t1');

    expect(await redis.hexists(key, 't1')).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('task "t1"');
    expect(await pool.jobGone('job', 't1')).toBe(true);
    // The other task's entry and job are untouched.
    expect(await redis.hexists(key, 't2')).toBe(1);
    expect(await pool.jobGone('job', 't2')).toBe(false);
  });

  it('is left when a front wrote the task’s entry again between the read and the drop', async () => {
    const s = pools.split();
    const { redis, key } = recordingFront(s);
    const queue = new Queue('record', { connection: s.connection, prefix: s.jobsPrefix });
    s.later(() => queue.close());
    const client = await queue.getBackend().client;
    const good = JSON.stringify({ tool: 'job', front: 'front-2', until: Date.now() + 60_000 });
    // The drop's script is sent once the good entry is written: as a front's add landing in between.
    const racing = new Proxy(client, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property !== 'runCommand' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (name: string, args: unknown[]) => {
          if (name === 'mtaDropWaitingJob') await redis.hset(key, 't1', good);
          return (value as RedisClient['runCommand']).call(target, name, args);
        };
      },
    });
    const warnings: string[] = [];
    const record = new WaitingJobs(async () => racing, key, 5_000, { warn: (line: string) => void warnings.push(line) });
    await redis.hset(key, 't1', 'garbage');

    expect(await record.get('t1')).toBeUndefined();
    expect(await redis.hget(key, 't1')).toBe(good);
    expect(warnings).toEqual([]);
    expect(await record.get('t1')).toEqual({ taskId: 't1', tool: 'job', front: 'front-2', until: JSON.parse(good).until });
  });
});
