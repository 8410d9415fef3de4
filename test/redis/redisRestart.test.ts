import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, eventually, taskResult } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';
import { startRedisServer } from '../support/redisServer.js';
import { rpcError } from '../support/session.js';

describe('Redis going away and coming back', () => {
  it('fails requests clearly while Redis is down, recovers by itself, and loses no acknowledged result', async () => {
    const redis = await startRedisServer();
    const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'restart:' });
    const tasks = new TaskSupport({ ...backend, pollInterval: 100, logger: { warn: () => {}, error: () => {} } });
    const jobs = new Jobs();
    const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    try {
      const acknowledged = await createTask(session.client, 'quick', { text: 'kept' });
      expect((await taskResult(session.client, acknowledged.taskId)).content).toEqual([{ type: 'text', text: 'kept' }]);
      const running = await createTask(session.client, 'job', { key: 'during-outage' });
      const job = await jobs.get('during-outage');

      await redis.stop();
      const error = await rpcError(session.client.experimental.tasks.getTask(acknowledged.taskId));
      expect(error.code).toBe(ErrorCode.InternalError);
      expect(error.message).toContain('Task store unavailable: get failed (details in the server log)');
      // The ioredis message (address, port) stays in the server log.
      expect(error.message).not.toContain(String(redis.port));
      // The work finishes while its store is away: the outcome is stored once Redis is back.
      job.finish({ content: [{ type: 'text', text: 'finished in the dark' }] });
      await new Promise((r) => setTimeout(r, 300));

      await redis.start();
      await eventually(async () => {
        try {
          return (await session.client.experimental.tasks.getTask(running.taskId)).status === 'completed';
        } catch {
          return false;
        }
      }, 10_000);
      expect((await taskResult(session.client, running.taskId)).content).toEqual([{ type: 'text', text: 'finished in the dark' }]);
      expect((await taskResult(session.client, acknowledged.taskId)).content).toEqual([{ type: 'text', text: 'kept' }]);
      const after = await createTask(session.client, 'quick', { text: 'new' });
      expect((await taskResult(session.client, after.taskId)).content).toEqual([{ type: 'text', text: 'new' }]);
    } finally {
      await session.close();
      await tasks.close();
      await backend.close();
      await redis.dispose();
    }
  }, 30_000);
});
