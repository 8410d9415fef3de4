import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createTask, deferred, taskResult } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';

// A worker can die after BullMQ handed it a job and before its take reached the task store (it
// never claimed the task, never started the work). The job stalls and goes to another worker,
// which must run the task as new: it did not run anywhere, restartable or not. The dead worker
// here is a bare BullMQ worker on the tool's queue whose processor never gets anywhere, closed
// by force (its lock is no longer renewed, as when its process is killed).
const { split } = useWorkerPools('sbs');

describe('a worker pool job whose first worker died before taking its task', () => {
  it('runs a task that is not restartable on the next worker, since it never started', async () => {
    const s = split();
    const config = { taskSupport: 'required' as const };
    const { session } = await s.front('job', config);

    const taken = deferred();
    const doomed = new Worker(
      'tool-job',
      async () => {
        taken.resolve();
        await new Promise<never>(() => {});
      },
      { connection: s.connection, prefix: s.jobsPrefix, lockDuration: 1_000, stalledInterval: 500 },
    );
    doomed.on('error', () => {});
    const task = await createTask(session.client, 'job', {});
    await taken.promise;
    await doomed.close(true);

    let runs = 0;
    await s.worker(
      'worker',
      'job',
      config,
      async () => {
        runs++;
        return { content: [{ type: 'text', text: 'ran' }] };
      },
      { lockDurationMs: 1_000, stalledIntervalMs: 500 },
    );

    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
    expect(runs).toBe(1);
  });
});
