import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, createTask, deferred, taskResult } from '../../support/harness.js';

// A worker can die after BullMQ handed it a job and before its take reached the task store (it
// never claimed the task, never started the work). The job stalls and goes to another worker,
// which must run the task as new: it did not run anywhere, restartable or not. The dead worker
// here is a bare BullMQ worker on the tool's queue whose processor never gets anywhere, closed
// by force (its lock is no longer renewed, as when its process is killed).
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('a worker pool job whose first worker died before taking its task', () => {
  it('runs a task that is not restartable on the next worker, since it never started', async () => {
    const url = new URL(inject('redisUrl'));
    const prefix = `sbs${randomBytes(3).toString('hex')}:`;
    const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
    const quiet = { warn: () => {}, error: () => {} };
    const open = async (instanceId: string): Promise<Awaited<ReturnType<typeof createRedisTaskBackend>>> => {
      const backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix, instanceId });
      closers.push(() => backend.close());
      return backend;
    };
    const config = { taskSupport: 'required' as const };
    const front = new TaskSupport({
      ...(await open('front')),
      placement: createWorkerPool({ role: 'front', connection, prefix: `${prefix}jobs`, logger: quiet }),
      logger: quiet,
    });
    closers.push(() => front.close());
    const session = await connectInMemory(front, (server) => front.registerTool(server, 'job', config, async () => ({ content: [] })));
    closers.push(() => session.close());

    const taken = deferred();
    const doomed = new Worker(
      'tool-job',
      async () => {
        taken.resolve();
        await new Promise<never>(() => {});
      },
      { connection, prefix: `${prefix}jobs`, lockDuration: 1_000, stalledInterval: 500 },
    );
    doomed.on('error', () => {});
    const task = await createTask(session.client, 'job', {});
    await taken.promise;
    await doomed.close(true);

    const worker = new TaskSupport({
      ...(await open('worker')),
      placement: createWorkerPool({
        role: 'worker',
        connection,
        prefix: `${prefix}jobs`,
        lockDurationMs: 1_000,
        stalledIntervalMs: 500,
        logger: quiet,
      }),
      logger: quiet,
    });
    closers.push(() => worker.close());
    let runs = 0;
    worker.registerTool(new McpServer({ name: 'worker', version: '1' }), 'job', config, async () => {
      runs++;
      return { content: [{ type: 'text', text: 'ran' }] };
    });

    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
    expect(runs).toBe(1);
  });
});
