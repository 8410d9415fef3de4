// A task a survivor takes over from a dead instance and runs again counts toward the survivor's own
// live-task limits (`maxLiveTasks`, `maxLiveTasksPerCaller`) while it runs, and gives its slot back
// once when it ends. The adoption itself is never refused, even over a limit: the task exists already.
// Before, ClusterLink.adopt built the rerun's LiveTask without a slot: a survivor running N adopted
// tasks still admitted its whole `maxLiveTasks` of new ones on top.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import type { TaskLimits } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { until } from '../support/until.js';

const redis = ownRedis();

/** One run of the `gate` tool: on which instance, and how to finish it. */
interface Run {
  on: string;
  finish(): void;
}

/** The runs of `gate` by key, newest last; `started` resolves at the next run of a key. */
const runs = new Map<string, Run[]>();
const waiting = new Map<string, (run: Run) => void>();
function started(key: string, on: string): Promise<Run> {
  const run = runs.get(key)?.find((r) => r.on === on);
  if (run) return Promise.resolve(run);
  return new Promise((resolve) => waiting.set(`${on}:${key}`, resolve));
}

interface Member {
  backend: RedisTaskBackend;
  tasks: TaskSupport;
  session: Session;
}
const opened: Member[] = [];
afterEach(async () => {
  for (const run of [...runs.values()].flat()) run.finish();
  runs.clear();
  for (const { session, tasks, backend } of opened.splice(0)) {
    await session.close();
    await tasks.close();
    await backend.close();
  }
});

/** An instance named `on` with a restartable `gate` tool that runs until the test finishes it. */
async function member(on: string, prefix: string, limits: TaskLimits, identify: () => string = () => 'alice'): Promise<Member> {
  const backend = await createRedisTaskBackend({ url: redis.url, prefix, instanceId: on, leaseMs: 600, sweepEveryMs: 100 });
  const { store, queue, cluster } = backend;
  const tasks = new TaskSupport({
    store,
    queue,
    cluster,
    pollInterval: 100,
    limits,
    identify,
    logger: { warn: () => {}, error: () => {} },
  });
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(
      server,
      'gate',
      { taskSupport: 'required', restartable: true, inputSchema: { key: z.string() } },
      ({ key }, task) => {
        const outcome = deferred<CallToolResult>();
        const run: Run = { on, finish: () => outcome.resolve({ content: [{ type: 'text', text: `${key} on ${on}` }] }) };
        runs.set(key, [...(runs.get(key) ?? []), run]);
        waiting.get(`${on}:${key}`)?.(run);
        task.signal.addEventListener('abort', () => outcome.reject(task.signal.reason));
        return outcome.promise;
      },
    ),
  );
  const made = { backend, tasks, session };
  opened.push(made);
  return made;
}

/** Live tasks the instance's LiveTaskCounter holds (TaskSupport's own, private). */
function counted(member: Member): number {
  return (member.tasks as unknown as { liveTasks: { size: number } }).liveTasks.size;
}

/** The limit a creation was refused by (-32029), or 'created'. */
async function creating(member: Member, key: string): Promise<unknown> {
  return createTask(member.session.client, 'gate', { key }).then(
    () => 'created',
    (error: unknown) => (error instanceof McpError && error.code === -32029 ? (error.data as { limit: unknown }).limit : error),
  );
}

/** `dead` runs tasks of `keys`, then dies: its connections go, nothing renews its leases. */
async function orphan(dead: Member, keys: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const key of keys) {
    ids.push((await createTask(dead.session.client, 'gate', { key })).taskId);
    await started(key, 'a');
  }
  await dead.backend.close();
  return ids;
}

it('adopted reruns count toward maxLiveTasks, even past it, and each gives its slot back once when it ends', async () => {
  const prefix = `lc${randomBytes(4).toString('hex')}:`;
  const a = await member('a', prefix, {});
  const [first, second] = await orphan(a, ['k1', 'k2']);
  const b = await member('b', prefix, { maxLiveTasks: 1 });
  // Both taken over and run again although the limit is 1: an adoption is never refused.
  const [run1, run2] = await Promise.all([started('k1', 'b'), started('k2', 'b')]);
  expect(counted(b)).toBe(2);
  expect(await creating(b, 'new1')).toBe('maxLiveTasks');

  run1.finish();
  expect(await taskResult(b.session.client, first!)).toMatchObject({ content: [{ text: 'k1 on b' }] });
  await until(() => counted(b) === 1, 'the first rerun gave its slot back');
  // One slot back, not two: the other rerun still fills the limit.
  expect(await creating(b, 'new2')).toBe('maxLiveTasks');

  run2.finish();
  expect(await taskResult(b.session.client, second!)).toMatchObject({ content: [{ text: 'k2 on b' }] });
  await until(() => counted(b) === 0, 'the second rerun gave its slot back');
  expect(await creating(b, 'new3')).toBe('created');
  expect(await creating(b, 'new4')).toBe('maxLiveTasks');
}, 20_000);

it('an adopted rerun counts toward its owner’s maxLiveTasksPerCaller, not another caller’s', async () => {
  const prefix = `lc${randomBytes(4).toString('hex')}:`;
  const a = await member('a', prefix, {});
  const [id] = await orphan(a, ['k1']);
  let caller = 'alice';
  const b = await member('b', prefix, { maxLiveTasksPerCaller: 1 }, () => caller);
  const run = await started('k1', 'b');
  expect(await creating(b, 'alice1')).toBe('maxLiveTasksPerCaller');
  caller = 'bob';
  expect(await creating(b, 'bob1')).toBe('created');

  caller = 'alice';
  run.finish();
  expect(await taskResult(b.session.client, id!)).toMatchObject({ content: [{ text: 'k1 on b' }] });
  await until(() => counted(b) === 1, 'the rerun gave its slot back');
  expect(await creating(b, 'alice2')).toBe('created');
}, 20_000);
