import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, inject } from 'vitest';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { setBackendFactory } from '../support/harness.js';

// Runs the protocol suite against Redis: every TaskSupport a test builds gets a fresh backend
// under its own key prefix, on the real redis-server of globalSetup.
const opened: RedisTaskBackend[] = [];

beforeEach((context) => {
  // globalSetup found no redis-server on this local run and said so once.
  if (inject('redisUrl') === '') {
    context.skip();
    return;
  }
  setBackendFactory(async (instanceId) => {
    const backend = await createRedisTaskBackend({
      url: inject('redisUrl'),
      prefix: `t${randomBytes(6).toString('hex')}:`,
      instanceId,
    });
    opened.push(backend);
    return backend;
  });
});

afterEach(async () => {
  setBackendFactory(undefined);
  while (opened.length > 0) await opened.pop()!.close();
});
