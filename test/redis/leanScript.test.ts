/**
 * Issue 14, CPU per Redis lifecycle: the create, settle and group scripts are called through
 * src/redis/leanScript.ts, whose commands are not copied element by element by ioredis's
 * `Array.prototype.flat` (about 170 ns an element on Node 20; a group of eight steps carries about
 * 130). It must still load scripts as ioredis's own `Script` does: `EVAL` once per connection, then
 * `EVALSHA`, and again as `EVAL` after the script cache was flushed.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeanScript } from '../../src/redis/leanScript.js';
import { parseCommandStats } from '../../bench/redisStats.js';
import { ownRedis } from '../support/ownRedis.js';

// A redis-server of its own: its command counts are this file's alone.
const own = ownRedis();

const opened: Redis[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  while (opened.length > 0) opened.pop()!.disconnect();
});

function connection(): Redis {
  const redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
  opened.push(redis);
  return redis;
}

/** Echoes its keys and arguments: `{KEYS..., '|', ARGV...}`. */
const ECHO = `local out = {} for _, k in ipairs(KEYS) do out[#out + 1] = k end out[#out + 1] = '|' for _, a in ipairs(ARGV) do out[#out + 1] = a end return out`;

async function evalCounts(): Promise<{ eval: number; evalsha: number }> {
  const stats = parseCommandStats(await own.admin.info('commandstats'));
  return { eval: stats.get('eval') ?? 0, evalsha: stats.get('evalsha') ?? 0 };
}

describe('LeanScript', () => {
  it('answers with the keys and arguments it was given, as strings', async () => {
    const script = new LeanScript(ECHO);
    const redis = connection();
    expect(await script.call(redis, ['k1', 'k2'], ['a', '', 'ü'])).toEqual(['k1', 'k2', '|', 'a', '', 'ü']);
  });

  it('sends EVAL once per connection and EVALSHA after it', async () => {
    const script = new LeanScript(`return 'x-${Date.now()}'`);
    await own.admin.call('SCRIPT', 'FLUSH');
    await own.admin.config('RESETSTAT');
    const one = connection();
    const two = connection();
    for (let i = 0; i < 3; i++) await Promise.all([script.call(one, [], []), script.call(two, [], [])]);
    // Two connections: one EVAL each, the other four calls by hash. No NOSCRIPT on a fresh connection.
    expect(await evalCounts()).toEqual({ eval: 2, evalsha: 4 });
  });

  it('keeps working after SCRIPT FLUSH: the call that meets NOSCRIPT is sent again with the text', async () => {
    const script = new LeanScript(ECHO);
    const redis = connection();
    expect(await script.call(redis, ['a'], ['1'])).toEqual(['a', '|', '1']);
    await own.admin.call('SCRIPT', 'FLUSH');
    expect(await script.call(redis, ['b'], ['2'])).toEqual(['b', '|', '2']);
    expect(await script.call(redis, ['c'], ['3'])).toEqual(['c', '|', '3']);
  });

  it("gives the script's own error to its caller, sent once", async () => {
    const script = new LeanScript(`return redis.error_reply('refused: ' .. ARGV[1])`);
    const redis = connection();
    await script.call(redis, [], ['warm']).catch(() => {});
    await own.admin.config('RESETSTAT');
    await expect(script.call(redis, [], ['now'])).rejects.toThrow('refused: now');
    expect(await evalCounts()).toEqual({ eval: 0, evalsha: 1 });
  });

  it("gives KEYS the client's keyPrefix, as ioredis gives it to its own commands and scripts", async () => {
    const redis = new Redis(own.url, { maxRetriesPerRequest: 1, keyPrefix: 'kp:' });
    opened.push(redis);
    const SET = `redis.call('SET', KEYS[1], ARGV[1]) return KEYS[1]`;
    redis.defineCommand('setDefined', { numberOfKeys: 1, lua: SET });
    const defined = redis as Redis & { setDefined(key: string, value: string): Promise<string> };
    expect(await defined.setDefined('by-define', 'a')).toBe('kp:by-define');
    expect(await new LeanScript(SET).call(redis, ['by-lean'], ['b'])).toBe('kp:by-lean');
    expect(await redis.mget('by-define', 'by-lean')).toEqual(['a', 'b']);
    expect(await own.admin.exists('by-lean')).toBe(0);
  });

  it('does not copy its arguments element by element (ioredis defineCommand does: the control)', async () => {
    const redis = connection();
    redis.defineCommand('echoDefined', { lua: ECHO });
    const script = new LeanScript(ECHO);
    const keys = ['k'];
    const args = Array.from({ length: 1000 }, (_, i) => String(i));
    await script.call(redis, keys, args);
    const flat = vi.spyOn(Array.prototype, 'flat');
    const flattened = (): number => (flat.mock.contexts as unknown[][]).reduce((sum, array) => sum + array.length, 0);

    const defined = redis as Redis & { echoDefined(numKeys: number, ...rest: string[]): Promise<string[]> };
    expect(await defined.echoDefined(1, ...keys, ...args)).toHaveLength(1002);
    expect(flattened()).toBeGreaterThanOrEqual(1000);

    flat.mockClear();
    expect(await script.call(redis, keys, args)).toHaveLength(1002);
    expect(flattened()).toBeLessThan(10);
  });
});
