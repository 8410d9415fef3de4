/**
 * A task whose record vanished from Redis while it ran (`FLUSHALL` here; an eviction under an
 * `allkeys-*` policy or a failover that lost writes do the same). Its end can no longer be stored,
 * and before the fix nothing published the task's event either: every `tasks/result` waiting for it,
 * on its runner's instance or another, waited until its client gave up. Now the refused settle, or
 * the runner's next lease renewal for work still running, publishes the event, and every waiting
 * call answers that the task is not found; the runner stops the work that can no longer be stored.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { RedisTaskCluster } from '../../src/redis/index.js';
import { createTask, sleep, taskResult } from '../support/harness.js';
import { closeInstance, instance, LEASE_MS, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { rpcError } from '../support/session.js';

const file = redisForFile();

it('answers every waiting tasks/result "not found" once the record of a running task vanished', async () => {
  const opened: Instance[] = [];
  const admin = raw(file.redis());
  try {
    const a = await instance(file.redis(), 'a', 'gone:');
    opened.push(a);
    const b = await instance(file.redis(), 'b', 'gone:');
    opened.push(b);
    // One task whose work ends after the flush (its settle finds no record), one that runs on.
    const ends = await createTask(a.session.client, 'job', { key: 'ends' });
    const job = await a.jobs.get('ends');
    const runs = await createTask(a.session.client, 'job', { key: 'runs' });
    await a.jobs.get('runs');
    const other = await createTask(a.session.client, 'job', { key: 'other' });
    await a.jobs.get('other');
    const waiting = [
      rpcError(taskResult(a.session.client, ends.taskId)),
      rpcError(taskResult(b.session.client, runs.taskId)),
      rpcError(taskResult(b.session.client, other.taskId)),
    ];
    await sleep(100);

    await admin.flushall();
    const flushed = Date.now();
    job.finish({ content: [{ type: 'text', text: 'too late to store' }] });
    const answers = await Promise.all(waiting);
    // Within two renewals (LEASE_MS / 3 each) and their round trips: well under a lease.
    expect(Date.now() - flushed).toBeLessThan(LEASE_MS);
    for (const answer of answers)
      expect([answer.code, answer.message]).toEqual([ErrorCode.InvalidParams, expect.stringContaining('not found')]);
    // The runner stopped the work it can no longer store, and holds no lease of those tasks.
    expect(a.jobs.aborts.sort()).toEqual(['other', 'runs']);
    expect((a.backend.cluster as RedisTaskCluster).leaseCount).toBe(0);
  } finally {
    admin.disconnect();
    for (const each of opened) await closeInstance(each);
  }
}, 20_000);
