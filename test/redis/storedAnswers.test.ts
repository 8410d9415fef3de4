/**
 * An answer forwarded to a task's runner while the runner is alive (its lease renewed on its command
 * connection) but its subscriber connection stays away longer than the forward is sent again (a
 * lease). Before, the forward gave up with "dropped an answer … no instance running task …
 * received it", the work waited for the answer until the task's ttl, and the client never sent it
 * again: `tasks/update` had acknowledged it, and the 2025-11-25 `tasks/result` that delivered the
 * request does not ask twice. Now the send that finds no subscriber stores the answer on the task's
 * slot and the runner takes it, a lease later, in its periodic look at its outstanding requests
 * (StoredAnswers.ts), whether its subscriber is back or not.
 *
 * The runner's subscriber is cut with CLIENT KILL; its `retryStrategy` keeps it away {@link DOWN_MS}.
 * Guards: an answer that reaches the runner both ways is passed on once; answering a request drops
 * its stored copy; a stored copy expires with the task and goes with its queue.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { askingTask, extensionRequest } from '../support/extensionRequests.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend, RedisTaskBackendOptions } from '../../src/redis/index.js';
import { answerWith } from '../support/askingTools.js';
import { ghostRunTasks } from '../support/ghostRunner.js';
import { connectInMemory, createTask, deferred, eventually, sleep, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { raw } from '../support/redisInstances.js';
import { countRoundTrips } from '../../bench/redisStats.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

const LEASE_MS = 600;
/** How long a cut subscriber stays away: five leases, far past a forward's retries (one lease). */
const DOWN_MS = 5 * LEASE_MS;
const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };

let redis: RedisServer;
let r: Redis;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
  r = raw(redis);
}, 30_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  r?.disconnect();
  await redis?.dispose();
});

interface Instance {
  name: string;
  backend: RedisTaskBackend;
  session: Session;
  warnings: unknown[][];
  errors: unknown[][];
}

/**
 * An instance serving alice with `ask` (it waits for `gate` first, then elicits). `deaf`: its
 * connections are named after it, and one cut stays away {@link DOWN_MS}.
 */
async function instance(
  prefix: string,
  name: string,
  options: { deaf?: boolean; gate?: Promise<void>; backend?: Partial<RedisTaskBackendOptions> } = {},
): Promise<Instance> {
  const backend = await createRedisTaskBackend({
    url: redis.url,
    prefix,
    instanceId: name,
    leaseMs: LEASE_MS,
    sweepEveryMs: 100,
    ...(options.deaf ? { redis: { connectionName: name, retryStrategy: () => DOWN_MS } } : {}),
    ...options.backend,
  });
  cleanups.push(() => backend.close());
  const warnings: unknown[][] = [];
  const errors: unknown[][] = [];
  const tasks = new TaskSupport({
    store: backend.store,
    queue: backend.queue,
    cluster: backend.cluster,
    pollInterval: 50,
    limits: { minPollInterval: 10 },
    identify: () => 'alice',
    logger: { warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void errors.push(args) },
  });
  cleanups.push(() => tasks.close());
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      await options.gate;
      const answer = await task.elicit({ message: 'value?', requestedSchema: FORM });
      return { content: [{ type: 'text', text: answer.action === 'accept' ? String(answer.content?.['value']) : answer.action }] };
    }),
  );
  cleanups.push(() => session.close());
  return { name, backend, session, warnings, errors };
}

/** The id of the pub/sub connection named `name`, if it is connected and subscribed (CLIENT LIST). */
async function subscriberOf(name: string): Promise<string | undefined> {
  const list = (await r.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `) && /\bsub=[1-9]/.test(l));
  return line === undefined ? undefined : /\bid=(\d+)/.exec(line)![1]!;
}

/** Cuts the subscriber of the deaf instance `name`: it stays away {@link DOWN_MS}, its command connection stays. */
async function cutSubscriber(name: string): Promise<void> {
  const id = await subscriberOf(name);
  if (id === undefined) throw new Error(`no subscriber named ${name}`);
  await r.client('KILL', 'ID', id);
}

/** A 2026-style request that declares the tasks extension. */
const request = (on: Instance, method: string, params: Record<string, unknown>) => extensionRequest(on.session.client, method, params);
/** Starts `ask` on `runner` and waits until its elicitation is listed; returns the task id and the request's key. */
const asking = (runner: Instance) => askingTask(runner.session.client);

function newName(what: string): string {
  return `${what}${randomBytes(4).toString('hex')}`;
}

it('tasks/update through another instance while the runner’s subscriber stays away past the forward’s retries: the work gets the answer', async () => {
  const prefix = `${newName('stored')}:`;
  const runner = await instance(prefix, newName('runner'), { deaf: true });
  const other = await instance(prefix, newName('other'));
  const { taskId, key } = await asking(runner);

  await cutSubscriber(runner.name);
  const cutAt = Date.now();
  await request(other, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'kept' } } } });
  const ackedAt = Date.now();
  // Acknowledged while the runner still heard nothing: the forward's PUBLISH reached nobody.
  expect(await subscriberOf(runner.name)).toBeUndefined();
  let done: Record<string, unknown> = {};
  // Before: input_required until the ttl (the ack had committed the client; the answer was dropped).
  await eventually(async () => (done = await request(other, 'tasks/get', { taskId }))['status'] === 'completed', DOWN_MS + 3000);
  expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'kept' }] });
  // Within about a lease and two renewal periods of the send (docs/redis.md; 1 s here, so 2 s allows
  // for a busy machine): taken on the command connection, before the subscriber is back (DOWN_MS).
  expect(Date.now() - ackedAt).toBeLessThan(2 * (LEASE_MS + 2 * (LEASE_MS / 3)));
  expect(await subscriberOf(runner.name)).toBeUndefined();
  // The runner kept its lease all along (a lost lease logs an error) and nothing was dropped.
  expect([...runner.errors, ...other.errors, ...runner.warnings, ...other.warnings]).toEqual([]);
  // Its subscriber comes back; no stored copy is left behind.
  await eventually(async () => (await subscriberOf(runner.name)) !== undefined, DOWN_MS + 3000);
  expect(Date.now() - cutAt).toBeGreaterThan(LEASE_MS);
  expect(await r.exists(`${prefix}{${taskId}}:answers`)).toBe(0);
}, 30_000);

it('an answer from a tasks/result on another instance while the runner’s subscriber stays away past the forward’s retries: the work gets it', async () => {
  const prefix = `${newName('stored')}:`;
  const gate = deferred();
  const runner = await instance(prefix, newName('runner'), { deaf: true, gate: gate.promise });
  const other = await instance(prefix, newName('other'));
  let cutAt = 0;
  answerWith(other.session.client, {
    elicit: async () => {
      // The runner's subscriber goes away just before the answer is forwarded to it.
      await cutSubscriber(runner.name);
      cutAt = Date.now();
      return { action: 'accept', content: { value: 'yes' } };
    },
  });
  const task = await createTask(runner.session.client, 'ask', {}, 60_000);
  // The caller moves to the other instance: the request waits in the shared queue for its tasks/result.
  await runner.session.close();
  gate.resolve();
  const result = await Promise.race([
    taskResult(other.session.client, task.taskId),
    sleep(DOWN_MS + 3000).then(() => 'no result: the answer never reached the work'),
  ]);
  expect(cutAt).toBeGreaterThan(0);
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'yes' }] });
  expect([...runner.errors, ...other.errors, ...other.warnings]).toEqual([]);
  await eventually(async () => (await subscriberOf(runner.name)) !== undefined, DOWN_MS + 3000);
  expect(await r.exists(`${prefix}{${task.taskId}}:answers`)).toBe(0);
}, 30_000);

it('an answer that reaches the runner both ways (its last PUBLISH in flight as the look takes its stored copy) reaches the work once', async () => {
  const prefix = `${newName('stored')}:`;
  const runner = await instance(prefix, newName('runner'));
  const other = await instance(prefix, newName('other'));
  const { taskId, key } = await asking(runner);
  const answer = { result: { action: 'accept', content: { value: 'once' } } };
  const id = randomBytes(8).toString('hex');

  // A copy stored a lease ago by a send that found no subscriber: the runner's look takes it, the work ends.
  await r.hset(`${prefix}{${taskId}}:answers`, key, JSON.stringify({ at: Date.now() - LEASE_MS, id, answer }));
  let done: Record<string, unknown> = {};
  await eventually(async () => (done = await request(runner, 'tasks/get', { taskId }))['status'] === 'completed');
  expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'once' }] });
  expect(await r.exists(`${prefix}{${taskId}}:answers`)).toBe(0);
  // The same send's PUBLISH, in flight meanwhile, arrives: received, passed on no more.
  const channel = `${prefix}instance:${runner.name}`;
  expect(await r.publish(channel, JSON.stringify({ taskId, command: { type: 'answer', requestId: key, answer }, id }))).toBe(1);
  // Another send of the same answer (the client answered twice) still reaches the engine, which
  // drops it with its warning: the runner handled both messages in order.
  expect(await other.backend.cluster.send(taskId, { type: 'answer', requestId: key, answer })).toBe(true);
  await eventually(() => runner.warnings.length > 0);
  expect(runner.warnings.map((w) => String(w[0]))).toEqual([expect.stringMatching(/dropped an answer to .*not waiting for it/)]);
  expect([...runner.errors, ...other.errors, ...other.warnings]).toEqual([]);
});

it('answering a request drops its stored copy at once', async () => {
  const prefix = `${newName('stored')}:`;
  // Looks seldom (every 4 s, at requests older than that; copies a lease old): the copy is not taken before the answer.
  const runner = await instance(prefix, newName('runner'), { backend: { leaseMs: 10_000, renewEveryMs: 4_000 } });
  const { taskId, key } = await asking(runner);
  const answersKey = `${prefix}{${taskId}}:answers`;
  const stored = { result: { action: 'accept', content: { value: 'stored' } } };
  await r.hset(answersKey, key, JSON.stringify({ at: Date.now(), id: randomBytes(8).toString('hex'), answer: stored }));

  await request(runner, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'direct' } } } });
  let done: Record<string, unknown> = {};
  await eventually(async () => (done = await request(runner, 'tasks/get', { taskId }))['status'] === 'completed');
  expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'direct' }] });
  // Dropped with the request it answers: before, it stayed until the task's expiry.
  expect(await r.exists(answersKey)).toBe(0);
  expect([...runner.errors, ...runner.warnings]).toEqual([]);
});

it('a stored answer expires with its task, goes with its queue, and only a request still outstanding gets one', async () => {
  const prefix = `${newName('stored')}:`;
  const sender = await createRedisTaskBackend({ url: redis.url, prefix, instanceId: 'sender', leaseMs: LEASE_MS });
  cleanups.push(() => sender.close());
  // Run by "ghost": a live lease, nothing listening. Its request r1 is outstanding.
  await ghostRunTasks(sender.store, r, prefix, ['t1']);
  await r.hset(`${prefix}{t1}:open`, 'r1', JSON.stringify({ at: Date.now(), message: { kind: 'request', requestId: 'r1' } }));
  const answer = { result: { action: 'decline' } };

  // Not outstanding: nothing stored, given up after about a lease (as before).
  expect(await sender.cluster.send('t1', { type: 'answer', requestId: 'r2', answer })).toBe(false);
  expect(await r.hexists(`${prefix}{t1}:answers`, 'r2')).toBe(0);
  // Outstanding: stored for the runner, so delivered as far as the sender goes.
  expect(await sender.cluster.send('t1', { type: 'answer', requestId: 'r1', answer })).toBe(true);
  expect(JSON.parse((await r.hget(`${prefix}{t1}:answers`, 'r1'))!)).toMatchObject({ answer });
  const [answersAt, taskAt] = await Promise.all([
    r.call('PEXPIRETIME', `${prefix}{t1}:answers`) as Promise<number>,
    r.call('PEXPIRETIME', `${prefix}{t1}:task`) as Promise<number>,
  ]);
  expect(taskAt).toBeGreaterThan(Date.now());
  expect(Math.abs(answersAt - taskAt)).toBeLessThan(50);
  // The task's queue dropped (its end, its takeover): its stored answers with it.
  await sender.queue.clear('t1');
  expect(await r.exists(`${prefix}{t1}:answers`)).toBe(0);
});

it('a forwarded tasks/update costs the sender one round trip for its send (two before), the runner none more', async () => {
  const prefix = `${newName('stored')}:`;
  // Named connections (the retry strategy does not matter here: nothing is cut). A lease and a
  // sweep of a minute: no renewal, look or sweep (every 100 ms in `instance`) lands among the
  // commands counted, as sweeps did on a loaded machine (5 counted for the runner, a ZRANGEBYSCORE
  // among them); and after the count none reaches the MONITOR feed as it disconnects (ioredis threw
  // "Command queue state error" on one).
  const quiet = { deaf: true, backend: { leaseMs: 60_000, sweepEveryMs: 60_000 } };
  const runner = await instance(prefix, newName('runner'), quiet);
  const other = await instance(prefix, newName('other'), quiet);
  const { taskId, key } = await asking(runner);
  const addresses = async (name: string): Promise<Set<string>> =>
    new Set(
      ((await r.client('LIST')) as string)
        .split('\n')
        .filter((l) => l.includes(` name=${name} `))
        .map((l) => /\baddr=(\S+)/.exec(l)![1]!),
    );
  const [runnerAt, otherAt] = await Promise.all([addresses(runner.name), addresses(other.name)]);
  const monitor = raw(redis);
  cleanups.push(async () => monitor.disconnect());
  const feed = await monitor.monitor();
  const lines: string[] = [];
  feed.on('monitor', (time: string, args: string[], source: string) =>
    lines.push(`${time} [0 ${source}] ${args.map((x) => JSON.stringify(x)).join(' ')}`),
  );
  // MONITOR sees its own connection's commands from now on: a PING marks the start.
  await r.ping('start');
  await eventually(() => lines.some((l) => l.includes('"start"')));
  const start = lines.length;
  await request(other, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'counted' } } } });
  // Redis runs commands in order: what the update sent before its ack precedes this PING. (Counting
  // the lines at the ack missed its send when the MONITOR feed lagged behind on a loaded machine.)
  await r.ping('acked');
  await eventually(() => lines.some((l) => l.includes('"acked"')));
  const acked = lines.findIndex((l) => l.includes('"acked"'));
  await eventually(async () => (await request(other, 'tasks/get', { taskId }))['status'] === 'completed');
  feed.disconnect();
  const from = (at: Set<string>, part: string[]): string[] => part.filter((l) => at.has(/\[\d+ ([^\]]+)\]/.exec(l)?.[1] ?? ''));
  const sent = from(otherAt, lines.slice(start, acked));
  // The update's read of the task and its outstanding requests, then the send: one script (its
  // PUBLISH, and the copy it stores only when no subscriber received it). Before: HMGET, then PUBLISH.
  expect(sent.map((l) => /\] "(\w+)"/.exec(l)?.[1])).toEqual(['hgetall', 'hvals', expect.stringMatching(/^eval(sha)?$/)]);
  expect(countRoundTrips(sent)).toBe(3);
  // The runner: its status, the answered request dropped (its stored copy in the same MULTI), the result.
  const runnerLines = from(runnerAt, lines.slice(start));
  // The commands in the message: a count that differs under load says which command was extra.
  expect(countRoundTrips(runnerLines), runnerLines.map((l) => l.slice(0, 200)).join('\n')).toBe(4);
});
