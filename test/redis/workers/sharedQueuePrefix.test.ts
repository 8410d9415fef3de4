import { describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { connectInMemory, createTask, eventually, taskResult } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';

// Two applications on one Redis, each with its task backend under a prefix of its own, whose worker
// pools share a queue prefix (both left at the default, `mta-jobs`, as createWorkerPool's example
// does): a worker of one takes the jobs of the other's tool of the same name. It finds no such task
// in its store. Before, it finished the job quietly and the other application's task stayed
// `working` ("Waiting for a worker") until its ttl, its job done and never run again. Now the job
// fails with the reason, the worker logs it, and the front's check fails the task with it.
const pools = useWorkerPools('sqp');
const TOOL = { taskSupport: 'required' as const };

describe('two task backends whose worker pools share a queue prefix on one Redis', () => {
  it('a task whose job a worker of the other backend took fails with the reason instead of waiting until its ttl', async () => {
    const one = pools.split();
    const other = pools.split();
    const jobsPrefix = `${one.prefix}shared-jobs`;

    const frontBackend = await one.backend('front');
    const frontPool = createWorkerPool({
      role: 'front',
      connection: one.connection,
      prefix: jobsPrefix,
      logger: quiet,
      lostJobCheckMs: 200,
    });
    const front = new TaskSupport({ ...frontBackend, placement: frontPool, logger: quiet });
    one.later(() => front.close());
    const session = await connectInMemory(front, (server) => front.registerTool(server, 'job', TOOL, async () => ({ content: [] })));
    one.later(() => session.close());

    const errors: string[] = [];
    const workerPool = createWorkerPool({ role: 'worker', connection: other.connection, prefix: jobsPrefix, logger: quiet });
    const worker = new TaskSupport({
      ...(await other.backend('worker')),
      placement: workerPool,
      logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args.map(String).join(' ')) },
    });
    other.later(() => worker.close());
    let ran = 0;
    worker.registerTool(new McpServer({ name: 'other', version: '1' }), 'job', TOOL, async () => {
      ran++;
      return { content: [] };
    });

    const task = await createTask(session.client, 'job', {});
    const error = await rpcError(taskResult(session.client, task.taskId));
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(
      new RegExp(`: The job of this task failed on a worker before the task ran: task ${task.taskId} is not in this worker's task store`),
    );
    expect((await frontBackend.store.get(task.taskId))?.status).toBe('failed');
    await eventually(() => errors.some((line) => line.includes(`task ${task.taskId} is not in this worker's task store`)));
    expect(ran).toBe(0);
  });
});
