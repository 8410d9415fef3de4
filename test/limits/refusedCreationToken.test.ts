import { afterEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { LIMIT_EXCEEDED, TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, deferred, eventually } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// docs/limits.md: a request a limit refuses takes no token of the creation rate. A creation the
// live-task cap refused spent one anyway, so a caller retrying at its cap emptied its burst and was
// then refused by the rate for a whole refill.

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

async function setUp() {
  const tasks = new TaskSupport({
    logger: { warn: () => {}, error: () => {} },
    // A burst of 3 that refills once in 100 s: any token spent shows for the rest of the test.
    limits: { maxLiveTasksPerCaller: 1, taskCreationRate: { perSecond: 0.01, burst: 3 }, taskOperationRate: Infinity },
  });
  open.tasks.push(tasks);
  const gate = deferred<void>();
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'hold', { taskSupport: 'required' }, async () => {
      await gate.promise;
      return { content: [{ type: 'text' as const, text: 'held' }] };
    });
  });
  open.sessions.push(session);
  return { tasks, session, release: () => gate.resolve() };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code?: number; message?: string }) => ({ code: error.code, message: error.message ?? '' }),
  );

describe('creation rate and the live-task cap', () => {
  it('a creation the live-task cap refuses takes no creation token', async () => {
    const { tasks, session, release } = await setUp();
    // The slot goes back when the task is retired, a little after its actor ended.
    const ended = () =>
      eventually(() => tasks.liveTaskActors === 0 && (tasks as unknown as { liveTasks: { size: number } }).liveTasks.size === 0);
    const first = await createTask(session.client, 'hold', {});
    // Two refused by the cap (one live task per caller), not by the rate.
    for (let i = 0; i < 2; i++) {
      const refused = await refusal(createTask(session.client, 'hold', {}));
      expect(refused?.code).toBe(LIMIT_EXCEEDED);
      expect(refused?.message).toMatch(/maxLiveTasksPerCaller/);
    }
    release();
    await session.client.request({ method: 'tasks/result', params: { taskId: first.taskId } }, CallToolResultSchema);
    await ended();
    // Two of the three tokens are left: the next two creations (one at a time) pass the rate.
    const second = await createTask(session.client, 'hold', {});
    expect(second.status).toBe('completed');
    await ended();
    const third = await createTask(session.client, 'hold', {});
    expect(third.status).toBe('completed');
    await ended();
    // And the burst is spent now: the rate refuses the fourth.
    const fourth = await refusal(createTask(session.client, 'hold', {}));
    expect(fourth?.message).toMatch(/task creations/);
  });

  it('refuses a minTtl that is not a whole number of ms at construction', () => {
    expect(() => new TaskSupport({ minTtl: 1500.5 })).toThrow(/minTtl must be a whole number of ms/);
    expect(() => new TaskSupport({ minTtl: 1500 })).not.toThrow();
  });
});
