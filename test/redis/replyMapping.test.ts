import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import type { TaskRecord } from '../../src/index.js';

// ioredis 6 speaks RESP3 and offers `replyMapping: 'resp3'`, under which some replies change shape
// (`ZRANGEBYSCORE … WITHSCORES` as [member, score] pairs, doubles as numbers, maps as objects). The
// backend parses replies itself, so its clients keep the RESP2 shapes whatever `redis` options the
// caller passes for reconnects, TLS and the like. On ioredis 5 (the redis-ioredis-lowest project)
// the option does not exist and the same checks hold.
let backend: RedisTaskBackend | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

function record(taskId: string, owner: string): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner, status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100 };
}

describe('a Redis backend opened with redis options that change reply shapes', () => {
  it.each([
    ['replyMapping: resp3', { replyMapping: 'resp3' } as RedisOptions],
    ['protocol: 2', { protocol: 2 } as RedisOptions],
  ])('lists, reads and settles tasks as with the defaults (%s)', async (_name, redis) => {
    backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix: `rm${randomBytes(4).toString('hex')}:`, redis });
    const ids = Array.from({ length: 5 }, (_, i) => `task-${i}`);
    for (const id of ids) await backend.store.create(record(id, 'alice'));
    const first = await backend.store.list('alice', undefined, 2);
    expect(first.tasks.map((task) => task.taskId)).toEqual(ids.slice(0, 2));
    const second = await backend.store.list('alice', first.nextCursor, 2);
    expect(second.tasks.map((task) => task.taskId)).toEqual(ids.slice(2, 4));
    const last = await backend.store.list('alice', second.nextCursor, 2);
    expect(last).toEqual({ tasks: [expect.objectContaining({ taskId: 'task-4', status: 'working' })] });
    const outcome = { type: 'result' as const, result: { content: [{ type: 'text' as const, text: 'done' }] } };
    expect(await backend.store.settle('task-4', 'completed', undefined, outcome)).toMatchObject({ status: 'completed' });
    expect(await backend.store.get('task-4')).toMatchObject({ taskId: 'task-4', owner: 'alice', status: 'completed', ttl: 60_000 });
    expect(await backend.store.getOutcome('task-4')).toEqual(outcome);
  });
});

describe('the ioredis line under test', () => {
  // The redis-ioredis-lowest project aliases `ioredis` to 5.9.2 (vitest.config.ts): its connections
  // speak RESP2, ioredis 6's RESP3. Read from the server, so a broken alias cannot pass unseen.
  it(`opens the backend's connections with RESP${process.env.MTA_IOREDIS === 'lowest' ? 2 : 3}`, async () => {
    const raw = new Redis(inject('redisUrl'));
    // Named, so that only this backend's connections are read: the other projects' test files
    // share this redis-server, and the redis-ioredis-lowest ones open RESP2 connections meanwhile.
    const name = `rm-resp-${randomBytes(4).toString('hex')}`;
    try {
      backend = await createRedisTaskBackend({ url: inject('redisUrl'), prefix: `${name}:`, redis: { connectionName: name } });
      const opened = String(await raw.call('CLIENT', 'LIST'))
        .trim()
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bresp=(\d)/.exec(line)![1]!);
      // The backend's two clients: commands and subscriber.
      expect(opened).toHaveLength(2);
      expect(new Set(opened)).toEqual(new Set([process.env.MTA_IOREDIS === 'lowest' ? '2' : '3']));
    } finally {
      raw.disconnect();
    }
  });
});
