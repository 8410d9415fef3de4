import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { createRedisTaskBackend } from '../../../src/redis/index.js';
import type { RedisTaskBackend } from '../../../src/redis/index.js';
import type { TaskRecord } from '../../../src/index.js';
import { inspectCluster, keySlot, keysOnCluster } from '../../support/clusterKeys.js';

// Key layout on a real three-master cluster: what a cluster cannot route (a script or MULTI over
// two slots) fails there with CROSSSLOT, so these would fail on the pre-cluster layout.
let backend: RedisTaskBackend;
let other: RedisTaskBackend;
let look: Cluster;
let prefix: string;

beforeEach(async () => {
  prefix = `slots${randomBytes(4).toString('hex')}:`;
  const clusterNodes = inject('redisClusterNodes');
  backend = await createRedisTaskBackend({ clusterNodes, prefix, instanceId: 'a' });
  other = await createRedisTaskBackend({ clusterNodes, prefix, instanceId: 'b' });
  look = inspectCluster(clusterNodes);
});
afterEach(async () => {
  await backend.close();
  await other.close();
  look.disconnect();
});

function record(taskId: string, owner = 'alice'): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner, status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100, runner: 'a' };
}

const request = (id: string) => ({
  kind: 'request' as const,
  requestId: id,
  message: { jsonrpc: '2.0' as const, id, method: 'elicitation/create', params: {} },
});
const note = { kind: 'notification' as const, message: { jsonrpc: '2.0' as const, method: 'notifications/message', params: {} } };

describe('a task on a Redis Cluster', () => {
  it('keeps every key of one task in one hash slot, and tasks spread over all masters', async () => {
    // 40 random ids all miss one of the three masters with probability 3 × (2/3)^40, about 3e-7
    // (with 12 it was about 2 %, and it happened).
    const ids = Array.from({ length: 40 }, (_, i) => `${randomBytes(8).toString('hex')}${i}`);
    for (const id of ids) {
      await backend.store.create(record(id));
      await backend.cluster.claim(id);
      // An unanswered request and a notification: the queue, its count and the open-request hash.
      await backend.queue.enqueue(id, request(`r-${id}`));
      await backend.queue.enqueue(id, note, { maxNotifications: 10 });
      await backend.store.settle(id, 'completed', undefined, { type: 'result', result: { content: [] } }, 'a');
    }
    const keys = await keysOnCluster(look, `${prefix}*`);
    const ports = new Set<number>();
    for (const id of ids) {
      const own = [...keys].filter(([key]) => key.includes(id));
      // task, outcome, queue, open requests, notification count, and the mark of each enqueue (they expire)
      const names = own.map(([key]) => key.slice(prefix.length));
      const marks = names.filter((name) => name.startsWith(`{${id}}:enqueued:`));
      expect(marks).toHaveLength(2);
      expect(names.filter((name) => !marks.includes(name)).sort()).toEqual(
        [`{${id}}:open`, `{${id}}:outcome`, `{${id}}:qn`, `{${id}}:queue`, `{${id}}:task`].sort(),
      );
      expect(new Set(own.map(([, place]) => place.slot)).size).toBe(1);
      expect(own[0]![1].slot).toBe(await keySlot(look, id));
      ports.add(own[0]![1].port);
    }
    expect(ports.size).toBe(3);
    // The owner's index and sequence share the owner's slot.
    const ownerKeys = [...keys].filter(([key]) => key.includes('{o:alice}'));
    expect(ownerKeys).toHaveLength(2);
    expect(ownerKeys[0]![1].slot).toBe(ownerKeys[1]![1].slot);
  });

  it('pages tasks/list in creation order across tasks on every master, from another instance', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `l${i}-${randomBytes(6).toString('hex')}`);
    for (const id of ids) await backend.store.create(record(id, 'lister'));
    await backend.store.create(record(`x-${randomBytes(6).toString('hex')}`, 'someone-else'));
    await backend.store.delete(ids[3]!);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await other.store.list('lister', cursor, 4);
      seen.push(...page.tasks.map((t) => t.taskId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(ids.filter((_, i) => i !== 3));
    expect(pages).toBe(6);
    const slots = new Set(await Promise.all(ids.map((id) => keySlot(look, `${prefix}{${id}}:task`))));
    expect(slots.size).toBeGreaterThan(20);
  });

  it('takes over a dead runner’s task exactly once, whichever of two instances sweeps', async () => {
    const short = { clusterNodes: inject('redisClusterNodes'), prefix, leaseMs: 300, sweepEveryMs: 50 };
    const dead = await createRedisTaskBackend({ ...short, instanceId: 'dead' });
    const [x, y] = await Promise.all([
      createRedisTaskBackend({ ...short, instanceId: 'x' }),
      createRedisTaskBackend({ ...short, instanceId: 'y' }),
    ]);
    const adopted: string[] = [];
    const handlers = (who: string) => ({ command: () => {}, lost: () => {}, orphaned: (id: string) => void adopted.push(`${who}:${id}`) });
    try {
      const ids = Array.from({ length: 6 }, () => randomBytes(8).toString('hex'));
      for (const id of ids) {
        await dead.store.create({ ...record(id), runner: 'dead' });
        await dead.cluster.claim(id);
      }
      // `dead` never starts renewing: its leases run out.
      await Promise.all([x.cluster.start(handlers('x')), y.cluster.start(handlers('y'))]);
      const started = Date.now();
      while (adopted.length < ids.length && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 400));
      expect(adopted.map((a) => a.split(':')[1]).sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const runner = (await x.store.get(id))!.runner;
        expect(adopted).toContain(`${runner}:${id}`);
      }
    } finally {
      await Promise.all([x.cluster.close(), y.cluster.close()]);
      await Promise.all([dead.close(), x.close(), y.close()]);
    }
  });

  it('tells the sender that a command reached the runner, whichever node it was published on', async () => {
    const got: string[] = [];
    await other.cluster.start({ command: (taskId) => void got.push(taskId), lost: () => {}, orphaned: () => {} });
    try {
      const ids = Array.from({ length: 10 }, () => randomBytes(8).toString('hex'));
      for (const id of ids) {
        await backend.store.create({ ...record(id), runner: 'b' });
        await other.cluster.claim(id);
      }
      // PUBLISH on a cluster counts only the subscribers of the node it ran on (chosen at random).
      for (const id of ids) expect(await backend.cluster.send(id, { type: 'cancel', reason: 'r' })).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(got.sort()).toEqual([...ids].sort());
    } finally {
      await other.cluster.close();
    }
  });
});
