import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { rpcError } from '../support/session.js';

/*
 * tasks/list cursors between callers: a cursor is a position in its owner's list, so it must tell
 * nothing of other callers' tasks, and one replayed, forged or mangled by another caller must list
 * only that caller's own tasks or be refused with -32602. In memory and on a real Redis.
 */

const redis = ownRedis();

function list(client: Client, cursor?: unknown): Promise<{ tasks: { taskId: string }[]; nextCursor?: string }> {
  return client.request({ method: 'tasks/list', params: cursor === undefined ? {} : { cursor } }, ListTasksResultSchema);
}

/** Every task id of the caller, page by page. */
async function listAll(client: Client): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(client, cursor);
    ids.push(...page.tasks.map((t) => t.taskId));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ids;
}

describe.each(['memory', 'redis'] as const)('tasks/list cursors between callers (%s store)', (backendName) => {
  let tasks: TaskSupport;
  let backend: RedisTaskBackend | undefined;
  let alice: Session;
  let mallory: Session;

  beforeEach(async () => {
    backend =
      backendName === 'redis'
        ? await createRedisTaskBackend({ url: redis.url, prefix: `cur${randomBytes(4).toString('hex')}:` })
        : undefined;
    const stores = backend ? { store: backend.store, queue: backend.queue, cluster: backend.cluster } : {};
    tasks = new TaskSupport({ ...stores, pageSize: 1, logger: { warn: () => {}, error: () => {} } });
    const tools = (server: Parameters<Parameters<typeof connectInMemory>[1]>[0]): void => {
      tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async (_args, task) => {
        await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
        return { content: [] };
      });
    };
    alice = await connectInMemory(tasks, tools, {});
    mallory = await connectInMemory(tasks, tools, {});
  });

  afterEach(async () => {
    await alice.close();
    await mallory.close();
    await tasks.close();
    await backend?.close();
  });

  // In memory, a cursor was a position among all callers' tasks: comparing two of them told a
  // caller how many tasks everyone else had created in between.
  it("gives a caller the same cursors whatever other callers create: they tell nothing of others' tasks", async () => {
    await createTask(alice.client, 'hold', {});
    await createTask(alice.client, 'hold', {});
    const quiet = (await list(alice.client)).nextCursor;
    for (let i = 0; i < 5; i++) await createTask(mallory.client, 'hold', {});
    await createTask(alice.client, 'hold', {});
    const second = await list(alice.client, quiet);
    expect(quiet).toBeDefined();
    expect(second.nextCursor).toBeDefined();
    // A second caller with the same history of its own gets the very same cursors.
    const other = await connectInMemory(
      tasks,
      (server) => tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async () => ({ content: [] })),
      {},
    );
    try {
      for (let i = 0; i < 3; i++) await createTask(other.client, 'hold', {});
      const first = await list(other.client);
      expect(first.nextCursor).toBe(quiet);
      expect((await list(other.client, first.nextCursor)).nextCursor).toBe(second.nextCursor);
    } finally {
      await other.close();
    }
  });

  it("lists only the caller's own tasks with another caller's cursor, and refuses forged ones with -32602", async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await createTask(alice.client, 'hold', {})).taskId);
    const theirs = (await createTask(mallory.client, 'hold', {})).taskId;
    expect(await listAll(alice.client)).toEqual(mine);
    const aliceCursor = (await list(alice.client)).nextCursor;
    // Replayed by Mallory: her own tasks after that position, never Alice's.
    const replayed = await list(mallory.client, aliceCursor);
    for (const task of replayed.tasks) expect(task.taskId).toBe(theirs);
    // Forged, tampered, huge or not a string: -32602, and the server serves on.
    const forged = [
      'x',
      '',
      `${aliceCursor}=`,
      `${aliceCursor!.slice(0, -1)}A`,
      Buffer.from('mta1:-1').toString('base64url'),
      Buffer.from('mta1:1e3').toString('base64url'),
      Buffer.from(`mta1:${'9'.repeat(400)}`).toString('base64url'),
      Buffer.from('mta1:0x10').toString('base64url'),
      'A'.repeat(2000),
      12,
      null,
      { position: 1 },
      ['mta1:1'],
    ];
    for (const cursor of forged) {
      const error = await rpcError(list(mallory.client, cursor));
      expect(error.code, JSON.stringify(cursor)).toBe(ErrorCode.InvalidParams);
    }
    expect(await listAll(mallory.client)).toEqual([theirs]);
    expect(await listAll(alice.client)).toEqual(mine);
  });
});
