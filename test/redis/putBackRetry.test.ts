/**
 * A `tasks/result` that ends with its elicitation unanswered puts the request back in the queue for
 * the next one (taskStorage.ts putBackUnanswered). Before the fix one failed try was the end of it:
 * with Redis away at that moment, the request stayed outstanding but out of the queue, the next
 * `tasks/result` never asked it, and the task waited in input_required until its ttl. The put-back
 * is now tried again with backoff while the task lives, and once only: a try whose reply was lost
 * after Redis ran it is sent again under its id, so the request is not queued twice.
 *
 * The work asks only once the first `tasks/result` is attached: asked before, its request goes out
 * on the session's own stream instead (TaskPort pushes what no `tasks/result` carries), no call
 * delivers it and nothing is put back; which of the two came first turned on a turn of the
 * microtask queue (test/engine/firstAskPath.test.ts has every ordering). Nor does anything poll
 * the task from its own session meanwhile: that pushes the put-back request on the stream too,
 * where these tests are about the next `tasks/result` asking it.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { answerWith } from '../support/askingTools.js';
import { createTask, deferred, eventually, sleep, taskResult } from '../support/harness.js';
import { closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { resultsAttached } from '../support/resultsAttached.js';
import { queueProxy } from './queueProxy.js';

const file = redisForFile();

/** Opened by {@link askThroughResult}: each task's work asks once its gate opens. */
const gates = new Map<string, ReturnType<typeof deferred<void>>>();

/** `ask`: one elicitation, asked once the task's gate opens (its key names the gate). */
function registerGatedAsk(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(server, 'ask', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    await gates.get(key)!.promise;
    const answer = await task.elicit({
      message: `${key}?`,
      requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
    });
    return { content: [{ type: 'text', text: answer.action === 'accept' ? String(answer.content?.['value']) : answer.action }] };
  });
}

/**
 * Creates a task whose request goes out through a first `tasks/result` (aborted by `signal`): its
 * work asks only once that call is attached, so nothing is pushed on the session's stream.
 */
async function askThroughResult(a: Instance, key: string, signal: AbortSignal): Promise<{ task: Task; unanswered: Promise<unknown> }> {
  const gate = deferred();
  gates.set(key, gate);
  const client: Client = a.session.client;
  const task = await createTask(client, 'ask', { key });
  const unanswered = taskResult(client, task.taskId, { signal }).catch(() => undefined);
  await eventually(() => resultsAttached(a.tasks, task.taskId) === 1);
  gate.resolve();
  return { task, unanswered };
}

it('asks an unanswered elicitation again on the next tasks/result when Redis was away as the last one ended', async () => {
  const proxy = await queueProxy(file.redis().port);
  let a: Instance | undefined;
  try {
    const prefix = 'away:';
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, { extraTools: registerGatedAsk });
    const client = a.session.client;
    let asked = 0;
    // Not answered on the first tasks/result, which ends without it: the request must go back.
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const first = new AbortController();
    const { task, unanswered } = await askThroughResult(a, 'away', first.signal);
    await eventually(() => asked === 1);
    // Redis away as that call ends: its put-back fails.
    proxy.cut();
    first.abort();
    await unanswered;
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    await sleep(400);
    proxy.restore();
    // Back: the put-back is tried again and lands (seen in Redis itself, not through the task's own
    // session, whose tasks/get would push it), and the next tasks/result asks the request.
    const r = raw(file.redis());
    try {
      await eventually(async () => (await r.llen(`${prefix}{${task.taskId}}:queue`)) === 1);
    } finally {
      r.disconnect();
    }
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(8_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);

it('puts a request back once when a failed try of its put-back ran after all', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'tried:';
  let a: Instance | undefined;
  try {
    // ioredis fails the requeue whose reply was lost (it sends nothing again itself): the put-back
    // is tried again by the engine, which must not put the request back a second time.
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: registerGatedAsk,
      backend: { redis: { autoResendUnfulfilledCommands: false } },
    });
    const client = a.session.client;
    let asked = 0;
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const first = new AbortController();
    const { task, unanswered } = await askThroughResult(a, 'tried', first.signal);
    await eventually(() => asked === 1);
    // The requeue is the only command of this flow that pushes at the head of the queue.
    proxy.armed.marker = 'lpush';
    proxy.armed.on = true;
    first.abort();
    await unanswered;
    await eventually(() => proxy.armed.dropped === 1);
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    // Time for the tries after the failed one (the first comes 100 ms later).
    await sleep(600);
    const r = raw(file.redis());
    try {
      expect(await r.llen(`${prefix}{${task.taskId}}:queue`)).toBe(1);
    } finally {
      r.disconnect();
    }
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);

it('puts a request back once when the engine gave up on a try that was only slow', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'slow:';
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: registerGatedAsk,
      // A long lease: the commands held below must not look like a dead runner.
      backend: { leaseMs: 10_000 },
    });
    const client = a.session.client;
    let asked = 0;
    answerWith(client, { elicit: () => (++asked === 1 ? new Promise(() => {}) : { action: 'accept', content: { value: 'answered' } }) });
    const first = new AbortController();
    const { task, unanswered } = await askThroughResult(a, 'slow', first.signal);
    await eventually(() => asked === 1);
    // The requeue reaches Redis 1 s late, long after the store deadline (300 ms): the engine counts
    // it failed and tries again, its next looks queued behind it on the connection.
    proxy.armed.marker = 'lpush';
    proxy.armed.holdMs = 1_000;
    proxy.armed.on = true;
    first.abort();
    await unanswered;
    await eventually(() => a!.errors.some(([message]) => String(message).includes('could not put back the requests')));
    await sleep(2_000);
    const r = raw(file.redis());
    try {
      expect(await r.llen(`${prefix}{${task.taskId}}:queue`)).toBe(1);
    } finally {
      r.disconnect();
    }
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'answered' }]);
    expect(asked).toBe(2);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);
