/**
 * A worker pool's front killed between storing a new task and adding its job. The front writes the
 * task's record (in the task backend), then the job (in its tool's BullMQ queue), then its entry
 * in the pool's record of waiting jobs: three steps, on connections of their own. A dispatched task
 * has no lease (a worker claims it without one), so no lease sweep ever looks at it; only the
 * pool's record leads a surviving front to a job no worker will run. Killed before the job was
 * added, the front left a task `working` ("Waiting for a worker") that nothing ever looked at
 * again: listed, its `tasks/result` waiting, until its ttl (an hour by default).
 *
 * The doomed front reaches Redis, for its pool, through a proxy that holds back the job's add (the
 * first command carrying a job's data) and "kills" the front as it sees it: every connection of
 * the front's pool and backend drops at once and no new one gets through, as after SIGKILL.
 */
import { expect, it } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { Redis } from 'ioredis';
import { createWorkerPool } from '../../../src/bullmq/index.js';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import { isTerminal } from '../../../src/types.js';
import { connectInMemory, createTask, eventually } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { redisTrap } from '../../support/redisTrap.js';
import type { RedisTrap } from '../../support/redisTrap.js';
import { quiet, useWorkerPools } from './workerPoolFixture.js';
import type { PoolSplit } from './workerPoolFixture.js';

const pools = useWorkerPools('fkd');
const TOOL = { taskSupport: 'required' as const };
/** The pools' add and record bound (queueTimeoutMs), and how often fronts look for lost jobs. */
const QUEUE_TIMEOUT_MS = 400;
const CHECK_MS = 200;
/** What only a job's add sends: the job's data. */
const JOB_DATA = /"restartable":/;
/** What only the store's write of a new dispatched task sends: its status message. */
const TASK_RECORD = /Waiting for a worker/;
/** Shared live-task limits of one task in all. */
const ONE_LIVE_TASK = { maxLiveTasks: 1 };

/** A trap in front of the split's redis-server, closed after the test. */
async function trap(s: PoolSplit): Promise<RedisTrap> {
  const made = await redisTrap(s.connection.port, s.connection.host);
  s.later(() => made.close());
  return made;
}

/** The front to be killed: its pool reaches Redis through `trap`, its caller alice, its client connected. */
async function doomedFront(s: PoolSplit, backend: RedisTaskBackend, via: RedisTrap): Promise<Session> {
  const doomed = new TaskSupport({
    ...backend,
    placement: createWorkerPool({
      role: 'front',
      connection: { ...s.connection, host: '127.0.0.1', port: via.port },
      prefix: s.jobsPrefix,
      logger: quiet,
      queueTimeoutMs: QUEUE_TIMEOUT_MS,
      lostJobCheckMs: CHECK_MS,
    }),
    logger: quiet,
    identify: () => 'alice',
  });
  s.later(() => doomed.close());
  const client = await connectInMemory(doomed, (server) => doomed.registerTool(server, 'job', TOOL, async () => ({ content: [] })));
  s.later(() => client.close());
  return client;
}

it('a front killed as it adds a new task’s job: a surviving front fails the task, whose record was stored', async () => {
  const s = pools.split();
  const addTrap = await trap(s);
  const backend = await s.backend('doomed');
  const client = await doomedFront(s, backend, addTrap);

  const survivorBackend = await s.backend('survivor');
  const survivor = new TaskSupport({
    ...survivorBackend,
    placement: s.pool('front', { queueTimeoutMs: QUEUE_TIMEOUT_MS, lostJobCheckMs: CHECK_MS }),
    logger: quiet,
    identify: () => 'alice',
  });
  s.later(() => survivor.close());
  const watcher = await connectInMemory(survivor, (server) => survivor.registerTool(server, 'job', TOOL, async () => ({ content: [] })));
  s.later(() => watcher.close());

  const killed = addTrap.arm(JOB_DATA, { onCaught: () => void backend.close() });
  // The call never answers as created: its front is dead (in process, its add times out).
  void createTask(client.client, 'job', {}).catch(() => {});
  await killed;
  const killedAt = Date.now();

  // The record was stored before the add: the task is there, `working`, and no job runs it.
  let taskId: string | undefined;
  await eventually(async () => {
    const { tasks } = await watcher.client.experimental.tasks.listTasks();
    taskId = tasks[0]?.taskId;
    return taskId !== undefined;
  });
  // Before: still `working` here, and until its ttl. Now the pool's record names its job, which a
  // surviving front finds missing once the add's bound has passed (a few times queueTimeoutMs).
  await eventually(async () => isTerminal((await survivorBackend.store.get(taskId!))!.status), 10 * QUEUE_TIMEOUT_MS + 3_000).catch(
    () => {},
  );
  const record = await survivorBackend.store.get(taskId!);
  expect(record?.status).toBe('failed');
  // Said as what happened: an operator's drain or remove gets the message of a job that left its queue.
  expect(record?.statusMessage).toBe('The server instance that created this task stopped before handing it to its worker pool');
  expect(Date.now() - killedAt).toBeLessThan(10 * QUEUE_TIMEOUT_MS + 3_000);
});

it('a front killed after noting a new task’s job, before storing the task: the note is forgotten, no task is left, its shared slot comes back', async () => {
  const s = pools.split();
  // Its backend and its pool both reach Redis through the trap: the store's write is held back (after
  // the store's admission to the shared limits, a script of its own that carries no status message).
  const recordTrap = await trap(s);
  const backend = await createRedisTaskBackend({
    url: `redis://127.0.0.1:${recordTrap.port}`,
    prefix: s.prefix,
    instanceId: 'doomed',
    liveTaskLimits: ONE_LIVE_TASK,
  });
  s.later(() => backend.close());
  const client = await doomedFront(s, backend, recordTrap);
  const survivorBackend = await createRedisTaskBackend({
    url: s.url,
    prefix: s.prefix,
    instanceId: 'survivor',
    liveTaskLimits: ONE_LIVE_TASK,
  });
  s.later(() => survivorBackend.close());
  const survivor = await s.front('job', TOOL, {
    backend: survivorBackend,
    pool: s.pool('front', { queueTimeoutMs: QUEUE_TIMEOUT_MS, lostJobCheckMs: CHECK_MS }),
  });

  const killed = recordTrap.arm(TASK_RECORD, { onCaught: () => void backend.close() });
  void createTask(client.client, 'job', {}).catch(() => {});
  await killed;

  const look = new Redis(s.url);
  s.later(async () => void look.disconnect());
  const record = `${s.jobsPrefix}:mta-pool:waiting`;
  // Noted before the store write (before, nothing was until the add landed). The note outlives its
  // front; a surviving front's check finds no task under it and forgets it.
  expect(await look.hlen(record)).toBe(1);
  await eventually(async () => (await look.hlen(record)) === 0, 10 * QUEUE_TIMEOUT_MS + 3_000);
  expect((await survivor.session.client.experimental.tasks.listTasks()).tasks).toEqual([]);
  expect(await s.jobs('job').count()).toBe(0);
  // The one shared slot, admitted for the task never stored, is free again (before: held until that
  // task's ttl, an hour, every creation refused -32029 meanwhile).
  expect((await createTask(survivor.session.client, 'job', {})).status).toBe('working');
});
