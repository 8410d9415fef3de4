// Takeover and create races on Redis, each found by a probe that failed before its fix:
// - a cancel stored on another instance while a survivor adopts a dead instance's restartable task:
//   the command to the new runner was dropped (the task was not live there yet), and the adoption's
//   refused status write was ignored, so the work ran again on a cancelled task (ClusterLink.adopt);
// - a create that missed storeTimeout and was undone left its lease in the backend's LeaseHandoff,
//   one entry per such create for the life of the process (RedisTaskStore.delete);
// - a takeover whose adoption met a Redis restart kept renewing the lease, so no sweep looked at the
//   task again and it stayed `working` with nobody running it (ClusterLink.adopt, relinquish).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createTask, eventually, sleep } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { hook, instance, LEASE_MS, raw } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

const runs = new Map<string, { started: number; aborted: number }>();
function restartableTool(name: string) {
  return (tasks: Instance['tasks'], server: Parameters<NonNullable<Parameters<typeof instance>[3]>['extraTools'] & {}>[1]) => {
    tasks.registerTool(
      server,
      'rforever',
      { taskSupport: 'required', restartable: true, inputSchema: { key: z.string() } },
      (_args, task) =>
        new Promise<CallToolResult>((_, reject) => {
          const counts = runs.get(name) ?? { started: 0, aborted: 0 };
          runs.set(name, counts);
          counts.started++;
          task.signal.addEventListener('abort', () => {
            counts.aborted++;
            reject(task.signal.reason);
          });
        }),
    );
  };
}

it('a cancel stored while a survivor adopts a task: the work does not run again', async () => {
  const a = await instance(redis, 'a', 'p5:', { extraTools: restartableTool('a') });
  const task = await createTask(a.session.client, 'rforever', { key: 'k' }, 60_000);
  await eventually(() => runs.get('a')?.started === 1);
  await a.backend.close(); // A dies.

  // C serves the client's cancel; it does not sweep (so B is the survivor).
  const c = await instance(redis, 'c', 'p5:', { backend: { sweepEveryMs: 1e9 } });
  let cancelResult: unknown;
  const b = await instance(redis, 'b', 'p5:', {
    extraTools: restartableTool('b'),
    wrapStore: (store) =>
      hook(store, 'update', async (call, args) => {
        if (args[0] === task.taskId && String(args[2]).startsWith('Restarted')) {
          cancelResult = await c.session.client.experimental.tasks.cancelTask(task.taskId).then(
            (r) => r.status,
            (e: Error) => e.message,
          );
        }
        return call();
      }),
  });
  try {
    await eventually(() => cancelResult !== undefined, 10_000);
    await sleep(1500);
    const stored = await c.session.client.experimental.tasks.getTask(task.taskId);
    const onB = runs.get('b') ?? { started: 0, aborted: 0 };
    expect(cancelResult).toBe('cancelled');
    expect(stored.status).toBe('cancelled');
    // The rerun must not run on for a cancelled task.
    expect(onB.started - onB.aborted).toBe(0);
  } finally {
    for (const i of [b, c]) {
      await i.session.close();
      await i.tasks.close();
      await i.backend.close();
    }
    await a.session.close();
    await a.tasks.close();
  }
}, 30_000);

it('creates that time out and are undone leave nothing behind in the lease handoff', async () => {
  const a = await instance(redis, 'a', 'p4:', { storeTimeout: 200 });
  const r = raw(redis);
  // Connected first: the busy script must reach Redis within the 20 ms below, not after a handshake.
  await r.ping();
  const claimed = (a.backend.store as unknown as { leases: { claimed: Map<string, number> } }).leases.claimed;
  try {
    for (let i = 0; i < 5; i++) {
      // Redis busy for 400 ms (a slow command, a fork, a saturated server): the create lands late.
      const busy = r.eval(
        'local t = redis.call("TIME"); local s = t[1]*1000000+t[2]; repeat local n = redis.call("TIME") until (n[1]*1000000+n[2]) - s > 400000; return 1',
        0,
      );
      await sleep(20);
      const outcome = await createTask(a.session.client, 'quick', { text: 'x' }).then(
        () => 'created',
        (e: Error) => e.message,
      );
      await busy;
      expect(outcome).toContain('did not answer within');
    }
    // Every late create was undone (its record deleted)...
    await sleep(300);
    await eventually(async () => (await r.keys('p4:{*}:task')).length === 0, 3000);
    expect(claimed.size).toBe(0);
  } finally {
    r.disconnect();
    await a.session.close();
    await a.tasks.close();
    await a.backend.close();
  }
}, 30_000);

it('a takeover whose adoption meets a Redis restart is retried by a later sweep once the lease lapses', async () => {
  const a = await instance(redis, 'a', 'p1:');
  const task = await createTask(a.session.client, 'job', { key: 'orphan' });
  await a.jobs.get('orphan');
  // A "dies": its connections go, nothing renews its lease any more.
  await a.backend.close();

  let hit = false;
  const b = await instance(redis, 'b', 'p1:', {
    wrapStore: (store) =>
      hook(store, 'get', async (call, args) => {
        if (args[0] !== task.taskId || hit) return call();
        hit = true;
        // The takeover script just ran; Redis restarts now, while the survivor adopts.
        await redis.stop();
        await sleep(100);
        try {
          return await call();
        } finally {
          void redis.start();
        }
      }),
  });
  const r = raw(redis);
  try {
    // Lease runs out, B sweeps, takes over, adopt's read fails.
    const started = Date.now();
    while (!hit && Date.now() - started < 10_000) await sleep(50);
    expect(hit).toBe(true);
    // Redis is back: the lease B could not act on lapses, a sweep takes the task over again and,
    // its tool not restartable, fails it.
    const status = (): Promise<string | null | undefined> => r.hget(`p1:{${task.taskId}}:task`, 'status').catch(() => undefined);
    await eventually(async () => (await status()) === 'failed', 12 * LEASE_MS);
  } finally {
    r.disconnect();
    await b.session.close();
    await b.tasks.close();
    await b.backend.close();
    await a.session.close();
    await a.tasks.close();
  }
}, 30_000);
