/**
 * The test support's redis-server: a restart a test does not wait for (`void redis.start()` in a
 * hook, as takeoverRaces does) is still stopped by the file's dispose. Before, dispose stopped only
 * the child it knew of, none while the restart was under way, and the restarted server outlived the
 * run (an orphan redis-server on 127.0.0.1, found after a full run).
 */
import { expect, it } from 'vitest';
import { ask, startRedisServer } from '../support/redisServer.js';

it('dispose stops a redis-server whose restart was still under way', async () => {
  const redis = await startRedisServer();
  await redis.stop();
  void redis.start();
  // The new child has started (and entered its data dir) but does not answer yet.
  await new Promise((resolve) => setTimeout(resolve, 25));
  await redis.dispose();
  // Past the moment the restarted child would answer (spawnOwnRedis polls every 50 ms).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await ask(redis.port, 'PING')).toBeUndefined();
}, 30_000);
