/**
 * Redis frozen, not closed (`kill -STOP`: a stalled host, a VM pause, a long fork): connections stay
 * open and nothing answers, so no reconnect tells the backend anything. Every request must still be
 * answered within the store deadline (-32603, or the right answer from what this instance holds),
 * nothing may escape the process, and once Redis runs again (`kill -CONT`) everything stored is
 * there and served: the work that ended meanwhile is stored with its result, a task waiting for input
 * still gets its answer. No defect was found here; this keeps it so.
 *
 * Own redis-server (this file stops it); always continued in a `finally`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { instance, raw } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { track } from '../support/until.js';

/** The store deadline of redisInstances.ts's instances (ms). */
const STORE_TIMEOUT = 300;

let redis: RedisServer;
let pid = 0;
beforeAll(async () => {
  redis = await startRedisServer();
  const r = raw(redis);
  try {
    pid = Number(/process_id:(\d+)/.exec(await r.info('server'))![1]);
  } finally {
    r.disconnect();
  }
}, 30_000);
afterAll(async () => {
  if (pid) process.kill(pid, 'SIGCONT');
  await redis?.dispose();
});

/** How a call ended and how long it took. */
async function timed(call: Promise<unknown>): Promise<{ ms: number; code?: number; message?: string }> {
  const start = Date.now();
  return call.then(
    () => ({ ms: Date.now() - start }),
    (error: unknown) => ({ ms: Date.now() - start, code: (error as McpError).code, message: (error as McpError).message }),
  );
}

it('answers every call within the store deadline while Redis is frozen, and loses nothing', async () => {
  let a: Instance | undefined;
  try {
    a = await instance(redis, 'a', 'frozen:', { extraTools: (tasks, server) => registerAskingTools(tasks, server) });
    const client = a.session.client;
    const asked = deferred();
    let answer: ((value: string) => void) | undefined;
    answerWith(client, {
      elicit: () =>
        new Promise((resolve) => {
          answer = (value) => resolve({ action: 'accept', content: { value } });
          asked.resolve();
        }),
    });
    const running = await createTask(client, 'job', { key: 'running' });
    const job = await a.jobs.get('running');
    const other = await createTask(client, 'job', { key: 'other' });
    await a.jobs.get('other');
    const asking = await createTask(client, 'ask', { key: 'q' });
    await eventually(async () => (await client.experimental.tasks.getTask(asking.taskId)).status === 'input_required');
    const waiting = track(taskResult(client, running.taskId));
    await sleep(50);

    process.kill(pid, 'SIGSTOP');
    let calls: Awaited<ReturnType<typeof timed>>[];
    try {
      // The work ends while Redis is frozen: its settle is retried until Redis answers.
      job.finish({ content: [{ type: 'text', text: 'ended while frozen' }] });
      calls = await Promise.all([
        timed(createTask(client, 'quick', { text: 'x' })),
        timed(client.experimental.tasks.getTask(other.taskId)),
        timed(client.experimental.tasks.listTasks()),
        timed(client.experimental.tasks.cancelTask(other.taskId)),
        timed(taskResult(client, asking.taskId)),
      ]);
      await sleep(1_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    for (const call of calls) {
      expect(call.ms).toBeLessThan(STORE_TIMEOUT + 700);
      expect([call.code, call.message]).toEqual([ErrorCode.InternalError, expect.stringContaining('Task store unavailable')]);
    }

    // Thawed: the ended work's result is stored and served, nothing else changed.
    expect(await waiting.done).toEqual({
      ok: true,
      value: expect.objectContaining({ content: [{ type: 'text', text: 'ended while frozen' }] }),
    });
    expect((await client.experimental.tasks.getTask(other.taskId)).status).toBe('working');
    // The create that missed its deadline was undone: the client was told it failed.
    expect((await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId).sort()).toEqual(
      [running.taskId, other.taskId, asking.taskId].sort(),
    );
    const result = track(taskResult(client, asking.taskId));
    await asked.promise;
    answer!('after the thaw');
    expect(await result.done).toEqual({
      ok: true,
      value: expect.objectContaining({ content: [{ type: 'text', text: 'after the thaw' }] }),
    });
  } finally {
    if (a) {
      await a.session.close();
      await a.tasks.close();
      await a.backend.close();
    }
  }
}, 30_000);
