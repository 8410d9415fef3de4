/**
 * Task hashes this library did not write as it writes them: an older or buggy instance, an operator
 * with redis-cli, a partial write. One such record must not take the owner's other tasks with it:
 * before the fix a `restart` field that is no JSON, or a `status` that is no task status, failed the
 * owner's whole `tasks/list` (-32603 "Task store unavailable"), and a task whose runner died with
 * such a record, or with a `leaseUntil` that is no number, was never taken over: every sweep retook
 * or skipped it, and its `tasks/result` waited until its ttl.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ErrorCode, ListTasksResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { createTask, eventually, taskResult } from '../support/harness.js';
import { closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { rpcError } from '../support/session.js';

const file = redisForFile();

it("lists the owner's other tasks past records it cannot read, and reads a task whose restart is no JSON", async () => {
  const admin = raw(file.redis());
  const keys = new RedisKeys('odd:');
  let a: Instance | undefined;
  try {
    a = await instance(file.redis(), 'a', 'odd:');
    const client = a.session.client;
    const ids: string[] = [];
    for (const key of ['one', 'badRestart', 'two', 'badStatus', 'three', 'noHash']) {
      ids.push((await createTask(client, 'job', { key })).taskId);
      await a.jobs.get(key);
    }
    const [one, badRestart, two, badStatus, three, noHash] = ids as [string, string, string, string, string, string];
    await admin.hset(keys.task(badRestart), 'restart', '{not json');
    await admin.hset(keys.task(badStatus), 'status', 'paused');
    // Written over with another type: no task any more, left out of the list.
    await admin.del(keys.task(noHash));
    await admin.set(keys.task(noHash), 'x');

    // Every page, two at a time: the readable tasks, each once, in order.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.request(
        { method: 'tasks/list', params: cursor ? { cursor, limit: 2 } : { limit: 2 } },
        ListTasksResultSchema,
      );
      listed.push(...page.tasks.map((task) => task.taskId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual([one, badRestart, two, three]);
    // The unreadable record stays where it is (an operator may repair it), and is not listed.
    expect(await admin.zscore(keys.owner('alice'), badStatus)).not.toBeNull();

    expect((await client.experimental.tasks.getTask(badRestart)).status).toBe('working');
    const error = await rpcError(client.experimental.tasks.getTask(badStatus));
    expect([error.code, error.message]).toEqual([ErrorCode.InternalError, expect.stringContaining(`task ${badStatus} is unreadable`)]);
    expect(error.message).not.toContain('\n');
    // A read of that key alone fails as a failed command does (batchWrites.test.ts pins that).
    const none = await rpcError(client.experimental.tasks.getTask(noHash));
    expect([none.code, none.message]).toEqual([ErrorCode.InternalError, expect.stringContaining('get failed')]);

    // Their work ends: the readable tasks answer their results.
    for (const key of ['one', 'badRestart', 'two', 'badStatus', 'three', 'noHash']) (await a.jobs.get(key)).finish();
    const results = await Promise.all([one, badRestart, two, three].map((id) => taskResult(client, id)));
    expect(results.map((result) => result.content)).toEqual(
      ['one', 'badRestart', 'two', 'three'].map((key) => [{ type: 'text', text: `done ${key}` }]),
    );
  } finally {
    admin.disconnect();
    if (a) await closeInstance(a);
  }
}, 20_000);

it.each([
  ['restart', '{not json'],
  ['leaseUntil', 'soon'],
])(
  "fails a dead runner's task whose %s is %j, once its lease ran out",
  async (field, value) => {
    const admin = raw(file.redis());
    const keys = new RedisKeys('dead:');
    let a: Instance | undefined;
    try {
      a = await instance(file.redis(), 'a', 'dead:');
      // As an instance that died would leave its task: its lease run out, and the odd field.
      const taskId = randomBytes(16).toString('hex');
      const now = new Date().toISOString();
      const restart = JSON.stringify({ tool: 'job', args: { key: 'k' } });
      await admin.hset(keys.task(taskId), {
        ...{ taskId, owner: 'alice', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: '60000', pollInterval: '100' },
        ...{ runner: 'gone', leaseUntil: String(Date.now() - 1), restart, [field]: value },
      });
      await admin.zadd(keys.leases, Date.now() - 1, taskId);
      const error = await rpcError(taskResult(a.session.client, taskId));
      expect([error.code, error.message]).toEqual([
        ErrorCode.InternalError,
        expect.stringContaining('The server instance running this task stopped before it finished'),
      ]);
    } finally {
      admin.disconnect();
      if (a) await closeInstance(a);
    }
  },
  10_000,
);

it("delivers a task's queued messages past entries it cannot read, and lists its open requests past them", async () => {
  const admin = raw(file.redis());
  const keys = new RedisKeys('queue:');
  let a: Instance | undefined;
  try {
    a = await instance(file.redis(), 'a', 'queue:');
    const client = a.session.client;
    const { taskId } = await createTask(client, 'job', { key: 'k' });
    const job = await a.jobs.get('k');
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logged.push(notification.params.data));
    const note = (data: string): string =>
      JSON.stringify({
        kind: 'notification',
        message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data } },
      });
    await admin.rpush(keys.queue(taskId), note('first'), '{not json', '{"kind":"notification"}', 'null', note('second'));
    await admin.hset(keys.open(taskId), 'bad', '{not json');

    expect(await a.backend.queue.outstanding(taskId)).toEqual([]);
    const result = taskResult(client, taskId);
    // Awaited below; a failure of the wait before must not leave it unhandled.
    result.catch(() => {});
    await eventually(() => logged.length === 2);
    job.finish();
    expect((await result).content).toEqual([{ type: 'text', text: 'done k' }]);
    expect(logged).toEqual(['first', 'second']);
  } finally {
    admin.disconnect();
    if (a) await closeInstance(a);
  }
}, 10_000);

it('counts again a shared live-task count that is no whole number, and admits and refuses by the true count', async () => {
  const admin = raw(file.redis());
  const keys = new RedisKeys('limits:');
  let a: Instance | undefined;
  try {
    a = await instance(file.redis(), 'a', 'limits:', { backend: { liveTaskLimits: { maxLiveTasksPerCaller: 2 } } });
    const client = a.session.client;
    const first = await createTask(client, 'job', { key: 'first' });
    const job = await a.jobs.get('first');
    await admin.hset(keys.limitsCounts, 'alice', 'many');

    await createTask(client, 'job', { key: 'second' });
    await a.jobs.get('second');
    const refused = await rpcError(createTask(client, 'job', { key: 'third' }));
    expect([refused.code, refused.message]).toEqual([-32029, expect.stringContaining('maxLiveTasksPerCaller 2')]);
    // Its slot goes back as the task ends, and a creation fits again.
    await admin.hset(keys.limitsCounts, 'alice', '2.0');
    job.finish();
    await taskResult(client, first.taskId);
    // Released after the settle's waiters were woken: looked for until it lands.
    await eventually(async () => (await admin.hget(keys.limitsCounts, 'alice')) === '1');
    await createTask(client, 'job', { key: 'fourth' });
    await a.jobs.get('fourth');
  } finally {
    admin.disconnect();
    if (a) await closeInstance(a);
  }
}, 10_000);
