/**
 * The sweep reads the due lease index entries 100 at a time, oldest first. Before, an entry whose
 * takeover script erred stayed where it was: 100 such entries (a key of another type, a task key
 * the instance may not write) came first in every read, and a dead runner's task due behind them
 * was never taken over (its `tasks/result` waited until its ttl). Now an entry whose key is of
 * another type is dropped (it is no task), and one whose takeover erred otherwise is pushed back a
 * lease, so that the next read moves on to the entries behind it.
 */
import { randomBytes } from 'node:crypto';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/keys.js';
import { taskResult } from '../support/harness.js';
import { closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { rpcError } from '../support/session.js';
import { plantDeadTask } from './deadTasks.js';

const file = redisForFile();
const STOPPED = 'The server instance running this task stopped before it finished';
/** More than one sweep's read. */
const CROWD = 130;

/**
 * The error the dead task's `tasks/result` answers once it is taken over (and failed), or a
 * rejection after 8 s: unfixed, it waited until the task's ttl.
 */
async function takenOver(a: Instance, taskId: string): Promise<McpError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`task ${taskId} was not taken over within 8 s`)), 8_000);
  });
  const result = rpcError(taskResult(a.session.client, taskId));
  result.catch(() => {});
  try {
    return await Promise.race([result, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ids that sort after none of the valid ones in time, and start with `z` (a valid id is hex). */
function crowdIds(): string[] {
  return Array.from({ length: CROWD }, () => `z${randomBytes(15).toString('hex')}`);
}

it('takes over a dead task due behind more than 100 entries whose keys are of another type, and drops those entries', async () => {
  const admin = raw(file.redis());
  const keys = new RedisKeys('crowd-type:');
  let a: Instance | undefined;
  try {
    const crowd = crowdIds();
    const long = Date.now() - 60_000;
    for (const [i, id] of crowd.entries()) {
      await admin.set(keys.task(id), 'x', 'PX', 60_000);
      await admin.zadd(keys.leases, long + i, id);
    }
    const dead = await plantDeadTask(admin, keys, Date.now() - 1);
    a = await instance(file.redis(), 'a', 'crowd-type:');

    const error = await takenOver(a, dead);
    expect(error.message).toContain(STOPPED);
    // No task: out of the index, and the keys themselves left as they are.
    expect(await admin.zmscore(keys.leases, ...crowd)).toEqual(crowd.map(() => null));
    expect(await admin.mget(...crowd.map((id) => keys.task(id)))).toEqual(crowd.map(() => 'x'));
    expect(a.errors).toEqual([]);
  } finally {
    admin.disconnect();
    if (a) await closeInstance(a);
  }
}, 15_000);

it('takes over a dead task due behind more than 100 entries whose takeover errs otherwise, and keeps those entries', async () => {
  const admin = raw(file.redis());
  const prefix = 'crowd-acl:';
  const keys = new RedisKeys(prefix);
  let a: Instance | undefined;
  try {
    const crowd = crowdIds();
    const long = Date.now() - 60_000;
    for (const [i, id] of crowd.entries()) await plantDeadTask(admin, keys, long + i, {}, id);
    const dead = await plantDeadTask(admin, keys, Date.now() - 1);
    // The instance's Redis user may read the crowd's keys but not write them: each takeover there
    // errs (NOPERM) as one on a slot that is down would, and may succeed later, so it is kept.
    const password = randomBytes(8).toString('hex');
    await admin.call('ACL', 'SETUSER', 'runner', 'on', `>${password}`, '+@all', '&*');
    await admin.call('ACL', 'SETUSER', 'runner', `%R~${prefix}{z*`, `~${prefix}{[^z]*`, `~${prefix}[^{]*`);
    const url = `redis://runner:${password}@127.0.0.1:${file.redis().port}`;
    a = await instance(file.redis(), 'a', prefix, { backend: { url } });

    const error = await takenOver(a, dead);
    expect(error.message).toContain(STOPPED);
    // Kept in the index, pushed back past the time they were due, and their tasks untouched.
    const scores = await admin.zmscore(keys.leases, ...crowd);
    expect(scores.every((score) => score !== null && Number(score) > long + CROWD)).toBe(true);
    for (const id of crowd) expect(await admin.hmget(keys.task(id), 'status', 'runner')).toEqual(['working', 'gone']);
    expect(a.errors).toEqual([]);
  } finally {
    admin.disconnect();
    if (a) await closeInstance(a);
  }
}, 15_000);
