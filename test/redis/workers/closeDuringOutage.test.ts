import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RedisClient } from 'bullmq';
import { eventually, sleep } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';

// A worker pool closed while its Redis is away, on a redis-server of the test's own. BullMQ closes a
// queue with a QUIT, which a front's connection (offline queue off) refuses during an outage; BullMQ
// then takes its 'error' listener off the ioredis client it made from the pool's options and marks
// it ended, while ioredis still has a reconnect scheduled. That client went on reconnecting for
// good: each refused attempt an unheard 'error' ("[ioredis] Unhandled error event" on stderr), and
// once Redis was back a live connection nothing would ever close.
const pools = useWorkerPools('co');

afterEach(() => {
  vi.restoreAllMocks();
});

/** What ioredis printed for 'error' events no one listened to. */
function unheardErrors(): () => string[] {
  const spy = vi.spyOn(console, 'error');
  return () => spy.mock.calls.map((args) => args.map(String).join(' ')).filter((line) => line.includes('Unhandled error event'));
}

describe('a worker pool closed while Redis is away', () => {
  it.each(['front', 'worker'] as const)(
    'leaves every connection its %s queue made ended, heard, and not reconnecting',
    async (role) => {
      const { redis, s } = await pools.splitOnOwnRedis();
      const pool = s.pool(role, { queueTimeoutMs: 500 });
      s.later(() => pool.close());
      const queue = pool.queue('job');
      await queue.waitUntilReady();
      const client: RedisClient = await queue.getBackend().client;
      const unheard = unheardErrors();

      await redis.stop();
      await eventually(() => client.status === 'reconnecting', 5_000);
      await pool.close();

      // Past ioredis' next retry (BullMQ retries a lost connection after 1 s at first).
      await sleep(1_500);
      expect(client.status).toBe('end');
      expect((client as unknown as EventEmitter).listenerCount('error')).toBeGreaterThan(0);
      // Redis back: a client still retrying would connect now, for nobody.
      await redis.start();
      await sleep(1_500);
      expect(client.status).toBe('end');
      expect(unheard()).toEqual([]);
    },
    20_000,
  );
});
