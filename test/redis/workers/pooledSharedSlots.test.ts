/**
 * The shared live-task slot (`liveTaskLimits` on Redis) of a task a front hands to a worker pool.
 * The front admits it with no lease behind it, so the slot lasts until the task's expiry unless a
 * release gives it back. That release came only with the settle, from the settling worker's own
 * store: a worker whose backend counts no limits (the front is where tasks are admitted) never gave
 * it back, and one killed right after its settle did not either. Either way the caller stayed at its
 * limit, refused with -32029, until the task's ttl (an hour by default). Now the front gives the
 * slot back too, as it hears the task's end.
 */
import { expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { TaskSupport } from '../../../src/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { redisTrap } from '../../support/redisTrap.js';
import { rpcError } from '../../support/session.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

const pools = useWorkerPools('pss');
const TOOL = { taskSupport: 'required' as const };
const LIMITS = { maxLiveTasksPerCaller: 1 };
/** Far beyond what the test waits: a slot held to the task's expiry shows as a refusal. */
const TTL_MS = 120_000;
/** The front hears an end within about a second (its confirm read after the store's end event). */
const HEARD_MS = 4_000;

/** A front counting `LIMITS` on Redis, its caller alice. */
async function front(s: PoolSplit): Promise<{ session: Session; backend: RedisTaskBackend }> {
  const backend = await createRedisTaskBackend({ url: s.url, prefix: s.prefix, instanceId: 'front', liveTaskLimits: LIMITS });
  s.later(() => backend.close());
  const tasks = new TaskSupport({ ...backend, placement: s.pool('front'), logger: quiet, identify: () => 'alice' });
  s.later(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'job', TOOL, async () => ({ content: [] })));
  s.later(() => session.close());
  return { session, backend };
}

/** A worker whose `job` waits for `go`; its backend reaches Redis at `url`. */
async function worker(s: PoolSplit, url: string, liveTaskLimits?: typeof LIMITS): Promise<{ go(): void; backend: RedisTaskBackend }> {
  const backend = await createRedisTaskBackend({
    url,
    prefix: s.prefix,
    instanceId: 'worker',
    ...(liveTaskLimits ? { liveTaskLimits } : {}),
  });
  s.later(() => backend.close());
  const tasks = new TaskSupport({ ...backend, placement: s.pool('worker'), logger: quiet });
  s.later(() => tasks.close());
  const go = deferred();
  tasks.registerTool(new McpServer({ name: 'worker', version: '1' }), 'job', TOOL, async () => {
    await go.promise;
    return { content: [{ type: 'text', text: 'ran' }] };
  });
  return { go: () => go.resolve(), backend };
}

/** Whether alice may create a task now (a created one is left running). */
async function admitted(session: Session): Promise<boolean> {
  return createTask(session.client, 'job', {}, TTL_MS).then(
    () => true,
    () => false,
  );
}

it('a worker that counts no limits: the caller’s slot goes back as the front hears the end', async () => {
  const s = pools.split();
  const { session } = await front(s);
  const w = await worker(s, s.url);
  const task = await createTask(session.client, 'job', {}, TTL_MS);
  expect((await rpcError(createTask(session.client, 'job', {}, TTL_MS))).code).toBe(-32029);
  w.go();
  expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'ran' }]);
  // Before: refused until the first task's ttl.
  await eventually(() => admitted(session), HEARD_MS);
});

it('a worker killed between its settle and its release: the caller’s slot goes back as the front hears the end', async () => {
  const s = pools.split();
  const { session, backend } = await front(s);
  // The worker's backend reaches Redis through a trap that kills it as its release leaves it.
  const trap = await redisTrap(s.connection.port, s.connection.host);
  s.later(() => trap.close());
  const w = await worker(s, `redis://127.0.0.1:${trap.port}`, LIMITS);

  const task = await createTask(session.client, 'job', {}, TTL_MS);
  await eventually(async () => (await backend.store.get(task.taskId))?.statusMessage === 'Started on a worker');
  // The release: a script on the limit keys (the worker admits nothing, and renews no slot).
  const caught = trap.arm(/\{limits\}:live/, { onCaught: () => void w.backend.close() });
  w.go();
  await caught;
  expect((await backend.store.get(task.taskId))?.status).toBe('completed');
  // Before: refused until the first task's ttl.
  await eventually(() => admitted(session), HEARD_MS);
});
