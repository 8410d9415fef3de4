import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GetTaskResultSchema, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, taskResult } from '../support/harness.js';
import { ownRedis } from '../support/ownRedis.js';
import { closedAfterEach } from '../support/closedAfterEach.js';

// Whole-number options past Number.MAX_SAFE_INTEGER: JavaScript writes them in exponent form
// (`1e+21`), which Redis refuses as an expiry or a count, so every creation (maxTtl) or every
// tasks/list (pageSize) failed -32603 while the constructor took them. Refused there now; the
// largest safe value works on Redis end to end.

const redis = ownRedis();
const open = closedAfterEach();

describe('whole-number options beyond Number.MAX_SAFE_INTEGER', () => {
  it.each([
    ['maxTtl', 1e21],
    ['maxTtl', 2 ** 53],
    ['defaultTtl', 1e300],
    ['pollInterval', 1e21],
    ['pageSize', 1e300],
  ] as const)('%s %s is refused at construction with a RangeError naming it', (key, value) => {
    const what = key === 'pageSize' ? '' : ' of ms';
    expect(() => new TaskSupport({ [key]: value })).toThrow(
      new RangeError(`${key} must be a positive whole number${what} up to ${Number.MAX_SAFE_INTEGER}, got ${String(value)}`),
    );
  });

  it('the largest safe maxTtl, defaultTtl and pageSize work on Redis: created, read, listed and answered', async () => {
    const made = await createRedisTaskBackend({ url: redis.url, prefix: `h${randomBytes(6).toString('hex')}:` });
    open.backends.push(made);
    const max = Number.MAX_SAFE_INTEGER;
    const options: TaskSupportOptions = {
      store: made.store,
      queue: made.queue,
      cluster: made.cluster,
      maxTtl: max,
      defaultTtl: max,
      pageSize: max,
    };
    const tasks = new TaskSupport({ ...options, logger: { warn: () => {}, error: () => {} } });
    open.tasks.push(tasks);
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'echo', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }) => ({
        content: [{ type: 'text', text: String(n) }],
      }));
    });
    open.sessions.push(session);
    const { client } = session;
    const asked = await createTask(client, 'echo', { n: 1 }, 1e300);
    const defaulted = await createTask(client, 'echo', { n: 2 });
    expect([asked.ttl, defaulted.ttl]).toEqual([max, max]);
    const got = await client.request({ method: 'tasks/get', params: { taskId: asked.taskId } }, GetTaskResultSchema);
    expect(got.ttl).toBe(max);
    const listed = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    expect(listed.tasks.map((t) => t.taskId).sort()).toEqual([asked.taskId, defaulted.taskId].sort());
    expect((await taskResult(client, defaulted.taskId)).content).toEqual([{ type: 'text', text: '2' }]);
  });
});
