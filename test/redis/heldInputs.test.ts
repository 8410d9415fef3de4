// An input request taken out of its task's queue by an instance that then dies (SIGKILL) before
// the answer reaches the runner. The runner is alive, so no takeover happens; before, the request
// was outstanding on the runner but in no queue, the client's next tasks/result (on another
// instance) found nothing to ask, and the task stayed input_required until its ttl. Now the take
// holds the request for its instance (a mark renewed while it lives) and the runner puts back a
// request neither queued nor held: it is asked again within about one lease and one renewal.
//
// A runs the task, B delivers its request and is "killed" (every Redis connection of its backend
// dropped at once, then its transport: it writes nothing any more, as after SIGKILL), C serves the
// client's next tasks/result.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import type { QueuedRequest } from '../../src/backends/TaskMessageQueue.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { answerWith } from '../support/askingTools.js';
import { createTask, deferred, eventually, taskResult } from '../support/harness.js';
import { closeInstance, instance, LEASE_MS, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

const { redis, opened } = redisForFile();
/** Released by the test: the tool asks only once its creator's session is gone (no push there). */
const gates = new Map<string, ReturnType<typeof deferred<void>>>();
let prefix = 0;

function gatedAsk(tasks: TaskSupport, server: McpServer): void {
  tasks.registerTool(server, 'gated', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    await gates.get(key)!.promise;
    const answer = await task.elicit({
      message: `${key}?`,
      requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
    });
    return { content: [{ type: 'text', text: answer.action === 'accept' ? String(answer.content?.['value']) : answer.action }] };
  });
}

let a: Instance;
let b: Instance;
let c: Instance;
beforeAll(() => {
  prefix = 0;
});
afterEach(async () => {
  // Each step on its own: A's session is closed already.
  for (const { session, tasks, backend } of [a, c]) {
    await session.close().catch(() => {});
    await tasks.close().catch(() => {});
    await backend.close().catch(() => {});
  }
});

async function instances(): Promise<void> {
  const keys = `held${++prefix}:`;
  a = await instance(redis(), `a${prefix}`, keys, { extraTools: gatedAsk });
  b = await instance(redis(), `b${prefix}`, keys, { extraTools: gatedAsk });
  c = await instance(redis(), `c${prefix}`, keys, { extraTools: gatedAsk });
  // B's TaskSupport and backend are closed by the file's end (it is killed, not closed, in a test).
  opened.push(b);
}

/** A task of A's waiting for its elicitation, with nothing of A's session left to push it on. */
async function waitingTask(key: string): Promise<string> {
  gates.set(key, deferred());
  const task = await createTask(a.session.client, 'gated', { key });
  await a.session.close();
  gates.get(key)!.resolve();
  await eventually(async () => (await c.session.client.experimental.tasks.getTask(task.taskId)).status === 'input_required');
  return task.taskId;
}

/** B as after SIGKILL: its Redis connections drop at once (nothing more reaches Redis), then its transport. */
async function kill(victim: Instance): Promise<void> {
  void victim.backend.close();
  await victim.session.close();
}

/** `promise`, or a rejection saying what did not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The bound of the new look: the hold's lease, a renewal period (lease / 3), and margin for slow CI. */
const ASKED_AGAIN_WITHIN = 4 * LEASE_MS + 2000;

it('asks again, on another instance, a request whose delivering instance died while the client was answering', async () => {
  await instances();
  const taskId = await waitingTask('k1');
  const askedOnB = deferred();
  answerWith(b.session.client, {
    elicit: () => {
      askedOnB.resolve();
      // The human is still answering when B dies.
      return new Promise<ElicitResult>(() => {});
    },
  });
  void taskResult(b.session.client, taskId).catch(() => {});
  await askedOnB.promise;
  await kill(b);

  let askedOnC = 0;
  answerWith(c.session.client, {
    elicit: (request) => {
      askedOnC++;
      expect(request.params._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId });
      return { action: 'accept', content: { value: 'answered on C' } };
    },
  });
  const result = await within(taskResult(c.session.client, taskId), ASKED_AGAIN_WITHIN, 'the request asked again on C');
  expect(result.content).toEqual([{ type: 'text', text: 'answered on C' }]);
  expect(askedOnC).toBe(1);
});

it('asks again a request whose delivering instance died after the client answered, before the answer reached the runner', async () => {
  await instances();
  const taskId = await waitingTask('k2');
  const answeredOnB = deferred();
  answerWith(b.session.client, {
    elicit: () => {
      // The client's answer leaves as B dies: it never reaches A.
      void kill(b);
      answeredOnB.resolve();
      return { action: 'accept', content: { value: 'lost with B' } };
    },
  });
  void taskResult(b.session.client, taskId).catch(() => {});
  await answeredOnB.promise;

  answerWith(c.session.client, { elicit: () => ({ action: 'accept', content: { value: 'answered on C' } }) });
  const result = await within(taskResult(c.session.client, taskId), ASKED_AGAIN_WITHIN, 'the request asked again on C');
  expect(result.content).toEqual([{ type: 'text', text: 'answered on C' }]);
});

it('does not ask again a request a live instance holds, however long the client takes to answer', async () => {
  await instances();
  const taskId = await waitingTask('k3');
  const askedOnB = deferred();
  const answer = deferred();
  let askedOnBCount = 0;
  answerWith(b.session.client, {
    elicit: async () => {
      askedOnBCount++;
      askedOnB.resolve();
      await answer.promise;
      return { action: 'accept', content: { value: 'slow answer on B' } };
    },
  });
  const onB = taskResult(b.session.client, taskId);
  await askedOnB.promise;
  let askedOnC = 0;
  answerWith(c.session.client, {
    elicit: () => {
      askedOnC++;
      return { action: 'decline' };
    },
  });
  const onC = taskResult(c.session.client, taskId);
  // Several leases: B's hold is renewed all along, so neither the runner nor C asks again.
  await new Promise((resolve) => setTimeout(resolve, 5 * LEASE_MS));
  answer.resolve();
  expect((await onB).content).toEqual([{ type: 'text', text: 'slow answer on B' }]);
  expect((await onC).content).toEqual([{ type: 'text', text: 'slow answer on B' }]);
  expect(askedOnC).toBe(0);
  expect(askedOnBCount).toBe(1);
  await closeInstance(b);
});

it('puts back a taken request only while its taker holds it: never a second copy of one its runner put back or another instance took', async () => {
  const keys = `held-requeue:`;
  const runner = await createRedisTaskBackend({ url: redis().url, prefix: keys, instanceId: 'runner', leaseMs: LEASE_MS });
  const taker = await createRedisTaskBackend({ url: redis().url, prefix: keys, instanceId: 'taker', leaseMs: LEASE_MS });
  const plain = raw(redis());
  try {
    const request = (id: string): QueuedRequest => ({
      kind: 'request',
      requestId: id,
      message: { jsonrpc: '2.0', id, method: 'elicitation/create', params: { message: id } },
    });
    const queue = `${keys}{t}:queue`;
    const held = `${keys}{t}:held`;
    for (const id of ['mine', 'restored', 'elsewhere']) await runner.queue.enqueue('t', request(id));
    const taken = (await taker.queue.dequeueAll('t')) as QueuedRequest[];
    expect(taken.map((m) => m.requestId)).toEqual(['mine', 'restored', 'elsewhere']);
    const holder = (await plain.hget(held, 'mine'))!.split(':')[1]!;
    expect(await plain.hget(held, 'restored')).toMatch(new RegExp(`^\\d+:${holder}$`));
    // What the runner's look does to a request whose hold ran out: back in the queue, unheld.
    await plain.multi().hdel(held, 'restored').lpush(queue, JSON.stringify(taken[1])).exec();
    // Taken since by another instance, after the runner put it back.
    await plain.hset(held, 'elsewhere', `${Date.now() + 60_000}:other`);
    await taker.queue.requeue('t', taken);
    const queued = (await plain.lrange(queue, 0, -1)).map((m) => (JSON.parse(m) as QueuedRequest).requestId);
    expect(queued).toEqual(['mine', 'restored']);
    expect(await plain.hget(held, 'mine')).toBeNull();
    expect(await plain.hget(held, 'elsewhere')).toMatch(/:other$/);
  } finally {
    plain.disconnect();
    await runner.close();
    await taker.close();
  }
});
