import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { createTask, taskResult } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { rpcError } from '../support/session.js';

const redis = ownRedis();

/** A stdio server process on the file's Redis (fixtures/stdioRedisServer.ts) and an SDK client on it. */
async function stdioClient(prefix: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'test/security/fixtures/stdioRedisServer.ts'],
    env: { ...(process.env as Record<string, string>), REDIS_URL: redis.url, REDIS_PREFIX: prefix },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'stdio-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('tasks bound to a stdio connection, on a store shared between processes', { timeout: 60_000 }, () => {
  // Connection ids were a counter per process (`c1` for the first connection of each), so the
  // first connection of every process had the owner `connection:c1`: one stdio client listed,
  // read, and cancelled the task of a client of another process on the same Redis.
  it("keeps one process's connection from another's tasks: get, result, cancel -32602 and list empty", async () => {
    const alice = await stdioClient('conn-a:');
    const mallory = await stdioClient('conn-a:');
    try {
      const task = await createTask(alice, 'hold', {});
      expect((await mallory.experimental.tasks.listTasks()).tasks).toEqual([]);
      for (const attempt of [
        rpcError(mallory.experimental.tasks.getTask(task.taskId)),
        rpcError(taskResult(mallory, task.taskId)),
        rpcError(mallory.experimental.tasks.cancelTask(task.taskId)),
      ]) {
        const error = await attempt;
        expect(error.code).toBe(ErrorCode.InvalidParams);
        expect(error.message).toContain(`Task not found: ${task.taskId}`);
      }
      // Nothing of the attempts reached the task; its owner still reaches and ends it.
      expect((await alice.experimental.tasks.getTask(task.taskId)).status).toBe('working');
      expect((await alice.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
      expect((await alice.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
    } finally {
      await alice.close();
      await mallory.close();
    }
  });

  it("leaves a closed connection's tasks out of reach of the next process's connection (a restart)", async () => {
    const first = await stdioClient('conn-b:');
    const task = await createTask(first, 'hold', {});
    await first.close();
    const next = await stdioClient('conn-b:');
    try {
      expect((await next.experimental.tasks.listTasks()).tasks).toEqual([]);
      expect((await rpcError(next.experimental.tasks.getTask(task.taskId))).code).toBe(ErrorCode.InvalidParams);
    } finally {
      await next.close();
    }
  });
});
