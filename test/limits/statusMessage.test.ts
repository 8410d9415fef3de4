import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ListTasksResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TasksExtensionClient } from '../../src/client/index.js';
import { InMemoryTaskRecordStore, TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { closedAfterEach } from '../support/closedAfterEach.js';

// A tool may copy client input into `task.status(text)`: the store keeps at most
// `maxStatusMessageLength` UTF-16 code units (default 4,096), cut with a trailing `…`, never inside a
// surrogate pair, on both backends, and both protocols read what the store kept.

const redis = ownRedis();
const open = closedAfterEach();

type Backend = 'memory' | 'redis';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The store of each backend, with the bound given (or its default). */
async function storeOptions(
  backend: Backend,
  maxStatusMessageLength?: number,
): Promise<Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>> {
  const bound = maxStatusMessageLength === undefined ? {} : { maxStatusMessageLength };
  if (backend === 'memory') return { store: new InMemoryTaskRecordStore(bound) };
  const made = await createRedisTaskBackend({ url: redis.url, prefix: `s${randomBytes(6).toString('hex')}:`, ...bound });
  open.backends.push(made);
  return { store: made.store, queue: made.queue, cluster: made.cluster };
}

/**
 * A server whose `say` tool sets the status it is given, tells the test it is stored, then waits;
 * `release(key)` ends it (completing, or throwing `fail` as its error).
 */
async function setUp(backend: Backend, maxStatusMessageLength?: number) {
  const tasks = new TaskSupport({
    ...(await storeOptions(backend, maxStatusMessageLength)),
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
    limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity },
  });
  open.tasks.push(tasks);
  const stored = new Map<string, ReturnType<typeof deferred<void>>>();
  const gates = new Map<string, ReturnType<typeof deferred<string | undefined>>>();
  const gate = <T>(map: Map<string, ReturnType<typeof deferred<T>>>, key: string) => {
    let d = map.get(key);
    if (!d) map.set(key, (d = deferred<T>()));
    return d;
  };
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(
      server,
      'say',
      { taskSupport: 'optional', inputSchema: { key: z.string(), text: z.string() } },
      async ({ key, text }, task) => {
        await task.status(text);
        gate(stored, key).resolve();
        const fail = await gate(gates, key).promise;
        if (fail !== undefined) throw new Error(fail);
        return { content: [{ type: 'text', text: 'done' }] };
      },
    );
  });
  open.sessions.push(session);
  return {
    tasks,
    client: session.client,
    notifications: session.notifications,
    stored: (key: string) => gate(stored, key).promise,
    release: (key: string, fail?: string) => gate(gates, key).resolve(fail),
  };
}

async function statusOf(client: Session['client'], taskId: string): Promise<string | undefined> {
  return (await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).statusMessage;
}

describe.each<Backend>(['memory', 'redis'])('status message bound (%s)', (backend) => {
  it('cuts a 3 MB status to the default 4,096 characters in tasks/get, tasks/list and the extension', async () => {
    const { client, stored, release, notifications } = await setUp(backend);
    const text = 'x'.repeat(3_000_000);
    const task = await createTask(client, 'say', { key: 'big', text });
    await stored('big');
    const cut = `${'x'.repeat(4095)}…`;
    expect(await statusOf(client, task.taskId)).toBe(cut);
    const list = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    expect(list.tasks.find((t) => t.taskId === task.taskId)?.statusMessage).toBe(cut);
    // The 2026 extension reads the same record.
    const extension = new TasksExtensionClient(client);
    expect((await extension.getTask(task.taskId)).statusMessage).toBe(cut);
    // And the status notification told the client the same.
    await eventually(() =>
      notifications.some(
        (n) => n.method === 'notifications/tasks/status' && (n.params as { statusMessage?: string }).statusMessage === cut,
      ),
    );
    expect(notifications.every((n) => JSON.stringify(n.params).length < 10_000)).toBe(true);
    release('big');
    expect((await taskResult(client, task.taskId)).content).toEqual([{ type: 'text', text: 'done' }]);
  });

  it('keeps a status at the bound, cuts one past it, and sets one below it unchanged', async () => {
    const { client, stored } = await setUp(backend, 10);
    const cases: [string, string][] = [
      ['a'.repeat(9), 'a'.repeat(9)],
      ['b'.repeat(10), 'b'.repeat(10)],
      ['c'.repeat(11), `${'c'.repeat(9)}…`],
      ['', ''],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const task = await createTask(client, 'say', { key: `k${i}`, text });
      await stored(`k${i}`);
      expect(await statusOf(client, task.taskId)).toBe(expected);
    }
  });

  it('never splits a surrogate pair', async () => {
    const { client, stored } = await setUp(backend, 10);
    // Pairs at 0-1, 2-3, …: code unit 9 would end inside the fifth pair.
    const even = await createTask(client, 'say', { key: 'even', text: '😀'.repeat(20) });
    await stored('even');
    const odd = await createTask(client, 'say', { key: 'odd', text: `a${'😀'.repeat(20)}` });
    await stored('odd');
    const evenStatus = (await statusOf(client, even.taskId))!;
    const oddStatus = (await statusOf(client, odd.taskId))!;
    expect(evenStatus).toBe(`${'😀'.repeat(4)}…`);
    expect(oddStatus).toBe(`a${'😀'.repeat(4)}…`);
    for (const status of [evenStatus, oddStatus]) {
      expect(status.length).toBeLessThanOrEqual(10);
      expect(LONE_SURROGATE.test(status)).toBe(false);
    }
  });

  it('cuts a failed task’s status, while tasks/result returns the whole error', async () => {
    const { client, stored, release } = await setUp(backend, 100);
    const task = await createTask(client, 'say', { key: 'fail', text: 'working' });
    await stored('fail');
    const message = 'e'.repeat(10_000);
    release('fail', message);
    // A thrown error is the task's isError result, its text whole.
    const result = await taskResult(client, task.taskId);
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: message }]);
    expect(await statusOf(client, task.taskId)).toBe(`${'e'.repeat(99)}…`);
  });

  it('keeps any status with Infinity', async () => {
    const { client, stored } = await setUp(backend, Infinity);
    const text = 'y'.repeat(10_000);
    const task = await createTask(client, 'say', { key: 'long', text });
    await stored('long');
    expect(await statusOf(client, task.taskId)).toBe(text);
  });
});

describe('maxStatusMessageLength validation', () => {
  it.each([0, -1, NaN, 1.5, '10' as unknown as number])('refuses %s at construction, on both backends', async (bad) => {
    expect(() => new InMemoryTaskRecordStore({ maxStatusMessageLength: bad })).toThrow(RangeError);
    // Named, so that only its own connections count (the earlier tests' closing clients come and go).
    const connectionName = `refused${randomBytes(4).toString('hex')}`;
    await expect(createRedisTaskBackend({ url: redis.url, maxStatusMessageLength: bad, redis: { connectionName } })).rejects.toThrow(
      /maxStatusMessageLength must be a whole number of at least 1/,
    );
    // Refused before connecting: no client left open behind the rejection.
    expect(String(await redis.admin.client('LIST'))).not.toContain(`name=${connectionName}`);
  });
});
