import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { LIMIT_EXCEEDED, TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, createTask, deferred, eventually, taskResult } from '../support/harness.js';
import { startRedisServer } from '../support/redisServer.js';
import { rpcError } from '../support/session.js';

// Shared live-task limits while Redis is briefly away: creations fail closed (-32603, the record
// cannot be stored either), and once Redis is back the count is what it was: the task that ended
// during the outage gives its slot back, and the cap admits exactly its number again.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('shared live-task limits across a Redis outage', () => {
  it('fail closed while Redis is away and count exactly once it is back', async () => {
    const server = await startRedisServer();
    closers.push(() => server.dispose());
    const backend = await createRedisTaskBackend({ url: server.url, liveTaskLimits: { maxLiveTasksPerCaller: 1 } });
    closers.push(() => backend.close());
    const tasks = new TaskSupport({
      ...backend,
      pollInterval: 10,
      storeTimeout: 1000,
      logger: { warn: () => {}, error: () => {} },
      limits: { minPollInterval: 10 },
    });
    closers.push(() => tasks.close());
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    let runs = 0;
    const session = await connectInMemory(tasks, (s) =>
      tasks.registerTool(s, 'hold', { taskSupport: 'required' }, async () => {
        await gates[runs++]!.promise;
        return { content: [] };
      }),
    );
    closers.push(() => session.close());
    const { client } = session;

    const first = await createTask(client, 'hold', {});
    await server.stop();
    const closed = await rpcError(createTask(client, 'hold', {}));
    expect(closed.code).toBe(ErrorCode.InternalError);
    expect(closed.message).toMatch(/^MCP error -32603: Task store unavailable/);
    // The running task ends while Redis is away: its end (and its slot) land once Redis is back.
    gates[0]!.resolve();
    await server.start();
    // Read once the clients reconnected.
    await eventually(() =>
      taskResult(client, first.taskId).then(
        () => true,
        () => false,
      ),
    );
    let second: Awaited<ReturnType<typeof createTask>> | undefined;
    await eventually(async () => {
      second = await createTask(client, 'hold', {}).catch(() => undefined);
      return second !== undefined;
    });
    const refused = await rpcError(createTask(client, 'hold', {}));
    expect(refused.code).toBe(LIMIT_EXCEEDED);
    expect(refused.data).toEqual({ limit: 'maxLiveTasksPerCaller', max: 1 });
    gates[1]!.resolve();
    await taskResult(client, second!.taskId);
  });
});
