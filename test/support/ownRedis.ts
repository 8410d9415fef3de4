import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer } from './redisServer.js';
import type { RedisServer } from './redisServer.js';

/** A redis-server of the calling test file's own, and a client to look at it with. */
export interface OwnRedis {
  /** Its `redis://` URL (set once the file's `beforeAll` ran). */
  readonly url: string;
  /** A plain client on it, for reading what a test wrote and for `INFO`/`CONFIG` (set in `beforeAll`). */
  readonly admin: Redis;
}

/**
 * Starts a redis-server for the calling file (its command counts and script cache are that file's
 * alone) and stops it after the file; call at the top level of a test file.
 */
export function ownRedis(): OwnRedis {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.dispose();
  });
  return {
    get url() {
      return server!.url;
    },
    get admin() {
      return admin!;
    },
  };
}
