import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTask, eventually, taskResult } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';

const pools = useWorkerPools('odd-job:');

/** Jobs someone else put on a tool's queue (another application on the prefix, a dashboard, an older version). */
const ODD: Record<string, unknown> = {
  null: null,
  empty: {},
  text: 'echo',
  array: [1, 2],
  numericTaskId: { taskId: 5, tool: 'echo', args: {}, owner: 'o', restartable: false },
  noOwner: { taskId: 'task-no-owner', tool: 'echo', args: {}, restartable: false },
  otherTool: { taskId: 'task-other-tool', tool: 'other', args: {}, owner: 'o', restartable: false },
  stringDeadline: { taskId: 'task-deadline', tool: 'echo', args: {}, owner: 'o', restartable: false, deadline: 'soon' },
  objectToken: { taskId: 'task-token', tool: 'echo', args: {}, owner: 'o', restartable: true, progressToken: { a: 1 } },
};

describe('a job on a tool queue that is no task job of the pool', () => {
  it('fails with one clear reason (and one log line) instead of completing as if run; the worker runs real tasks on', async () => {
    const s = pools.split();
    const errors: string[] = [];
    const logger = { warn: (): void => {}, error: (...args: unknown[]) => void errors.push(args.map(String).join(' ')) };
    const config = { taskSupport: 'required' as const, inputSchema: { text: z.string() } };
    await s.worker('w1', 'echo', config, async ({ text }) => ({ content: [{ type: 'text' as const, text }] }), { logger });
    const front = await s.front('echo', config);
    const queue = s.jobs('echo');
    for (const [name, data] of Object.entries(ODD)) await queue.add('echo', data as never, { jobId: `odd-${name}` });

    // A real task after them: the worker took every odd job and lives on.
    const task = await createTask(front.session.client, 'echo', { text: 'still here' });
    expect(await taskResult(front.session.client, task.taskId)).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });

    const states = async (): Promise<string[]> => Promise.all(Object.keys(ODD).map((name) => queue.getJobState(`odd-${name}`)));
    await eventually(async () => (await states()).every((state) => state === 'failed' || state === 'completed'));
    for (const name of Object.keys(ODD)) {
      const job = await queue.getJob(`odd-${name}`);
      expect([name, await job!.getState()]).toEqual([name, 'failed']);
      expect(job!.failedReason).toMatch(
        new RegExp(`^mcp-task-actors: job odd-${name} of the queue of tool echo is no task job of this worker pool: its `),
      );
    }
    expect((await queue.getJob('odd-null'))!.failedReason).toMatch(/its data is null, not an object$/);
    expect((await queue.getJob('odd-otherTool'))!.failedReason).toMatch(/its tool is "other", not this queue's "echo"$/);
    expect((await queue.getJob('odd-objectToken'))!.failedReason).toMatch(/its progressToken is an object, not a string or a number$/);
    // One line per odd job, and nothing else (the TypeError of a null job's `taskId` was logged too).
    expect(errors.filter((line) => !/is no task job of this worker pool/.test(line))).toEqual([]);
    expect(errors).toHaveLength(Object.keys(ODD).length);
  });
});
