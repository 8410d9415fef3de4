import { describe, expect, it } from 'vitest';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { createTask, taskResult } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';

// queueTimeoutMs bounds a front's job add and a pool's close. Node fires a timer past 2^31-1 ms
// (Infinity included) after 1 ms: with `Infinity`, the natural "no bound", every add failed at once.
const pools = useWorkerPools('qt');

describe('a worker pool with queueTimeoutMs: Infinity', () => {
  it('dispatches and runs the job, with no bound on the add', async () => {
    const s = pools.split();
    await s.worker('w1', 'job', { taskSupport: 'required' }, async () => ({ content: [{ type: 'text', text: 'ran on w1' }] }));
    const { session } = await s.front('job', { taskSupport: 'required' }, { pool: s.pool('front', { queueTimeoutMs: Infinity }) });
    const task = await createTask(session.client, 'job', {});
    expect(await taskResult(session.client, task.taskId)).toMatchObject({ content: [{ type: 'text', text: 'ran on w1' }] });
  }, 30_000);

  it('refuses a bound a timer cannot wait', () => {
    for (const queueTimeoutMs of [2 ** 31, 0, -1, Number.NaN]) {
      expect(() => createWorkerPool({ role: 'front', connection: { host: '127.0.0.1', port: 1 }, queueTimeoutMs })).toThrow(
        new RangeError(`queueTimeoutMs must be Infinity or a number of ms from 1 to ${2 ** 31 - 1}; got ${queueTimeoutMs}`),
      );
    }
  });
});
