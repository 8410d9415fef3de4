import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InMemoryTaskMessageQueue, InMemoryTaskStore } from '../../../src/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { census } from '../../load/census.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { Jobs } from '../../support/jobs.js';
import { rpcError } from '../../support/session.js';

type Fault = 'throw' | 'stall' | undefined;
type FaultRule = (method: string, args: unknown[]) => Fault;

/**
 * A real in-memory store or queue behind a switch: each call asks `rule` whether to throw, to
 * stall (held until `release()`, then performed) or to pass.
 */
class FaultSwitch {
  rule: FaultRule = () => undefined;
  readonly calls: string[] = [];
  private readonly held: (() => void)[] = [];

  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (object, property) => {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const name = String(property);
          this.calls.push(name);
          const fault = this.rule(name, args);
          if (fault === 'throw') return Promise.reject(new Error(`backend down at 10.0.0.7 during ${name}`));
          const run = () => (value as (...a: unknown[]) => unknown).apply(object, args);
          if (fault !== 'stall') return run();
          const gate = deferred();
          this.held.push(() => gate.resolve());
          return gate.promise.then(run);
        };
      },
    });
  }

  /** Lets every stalled call proceed. */
  release(): void {
    this.held.splice(0).forEach((go) => go());
  }
}

const STORE_TIMEOUT = 200;
let faults: FaultSwitch;
let tasks: TaskSupport;
let session: Session;
let jobs: Jobs;
const logged: unknown[][] = [];

beforeEach(async () => {
  faults = new FaultSwitch();
  jobs = new Jobs();
  logged.length = 0;
  tasks = testTaskSupport({
    store: faults.wrap(new InMemoryTaskStore()),
    queue: faults.wrap(new InMemoryTaskMessageQueue()),
    storeTimeout: STORE_TIMEOUT,
    logger: { warn: () => {}, error: (...args: unknown[]) => void logged.push(args) },
  });
  session = await connectInMemory(tasks, (server) => {
    jobs.register(tasks, server);
    tasks.registerTool(server, 'asks', { taskSupport: 'required', inputSchema: { key: z.string() } }, async (_args, task) => {
      try {
        await task.elicit({ message: 'hi', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: 'answered' }] };
      } catch (error) {
        return { content: [{ type: 'text', text: `elicit failed: ${(error as McpError).code} ${(error as Error).message}` }] };
      }
    });
  });
});
afterEach(async () => {
  faults.rule = () => undefined;
  faults.release();
  await session.close();
  await tasks.close();
});

const sent = (error: McpError): string => error.message.replace(/^MCP error -?\d+: /, '');

describe('a store that throws', () => {
  it('fails tools/call with -32603 and a clear message, frees the admission slot, and keeps serving and running other tasks', async () => {
    const running = await createTask(session.client, 'job', { key: 'other' });
    faults.rule = (method) => (method === 'create' ? 'throw' : undefined);
    const error = await rpcError(createTask(session.client, 'quick', { text: 'x' }));
    expect([error.code, sent(error)]).toEqual([
      ErrorCode.InternalError,
      'Task store unavailable: create failed (details in the server log)',
    ]);
    expect(JSON.stringify(error)).not.toContain('10.0.0.7');
    expect(logged.some((args) => args.some((a) => a instanceof Error && a.message.includes('10.0.0.7')))).toBe(true);
    expect(census(tasks)).toMatchObject({ admitted: 1, actors: 1 });

    faults.rule = () => undefined;
    const after = await createTask(session.client, 'quick', { text: 'back' });
    expect((await taskResult(session.client, after.taskId)).content).toEqual([{ type: 'text', text: 'back' }]);
    (await jobs.get('other')).finish();
    expect((await taskResult(session.client, running.taskId)).content).toEqual([{ type: 'text', text: 'done other' }]);
  });

  it('fails tasks/get and tasks/list with -32603 while it throws; a bad cursor is still -32602', async () => {
    const task = await createTask(session.client, 'quick', { text: 'q' });
    await taskResult(session.client, task.taskId);
    faults.rule = (method) => (method === 'get' || method === 'list' ? 'throw' : undefined);
    expect(sent(await rpcError(session.client.experimental.tasks.getTask(task.taskId)))).toBe(
      'Task store unavailable: get failed (details in the server log)',
    );
    expect((await rpcError(session.client.experimental.tasks.listTasks())).code).toBe(ErrorCode.InternalError);
    faults.rule = () => undefined;
    expect((await rpcError(session.client.experimental.tasks.listTasks('bm90LWEtY3Vyc29y'))).code).toBe(ErrorCode.InvalidParams);
    expect((await session.client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
  });

  it('loses no outcome when a status update or the settle fails once: the task still completes', async () => {
    let failures = 0;
    faults.rule = (method) => ((method === 'update' || method === 'settle') && failures++ < 2 ? 'throw' : undefined);
    const task = await createTask(session.client, 'job', { key: 'w' });
    const job = await jobs.get('w');
    await job.task.status('step one');
    job.finish();
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'done w' }]);
    expect(failures).toBeGreaterThanOrEqual(2);
  });

  it('tries task.elicit again while the queue throws, so an outage that passes does not fail the work', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // A queue away for its next three enqueues. One away for over a minute fails the elicit with
      // its -32603 (test/engine/enqueueRetry.test.ts, on fake timers).
      let failures = 3;
      faults.rule = (method) => (method === 'enqueue' && failures-- > 0 ? 'throw' : undefined);
      let asked = 0;
      session.client.setRequestHandler(ElicitRequestSchema, async () => (asked++, { action: 'accept', content: {} }));
      const task = await createTask(session.client, 'asks', { key: 'e' });
      expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'answered' }]);
      expect(asked).toBe(1);
      expect(failures).toBeLessThan(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a store that stalls', () => {
  it('fails tools/call with -32603 after storeTimeout, serves other requests meanwhile, and undoes the late create', async () => {
    const other = await createTask(session.client, 'job', { key: 'o' });
    faults.rule = (method) => (method === 'create' ? 'stall' : undefined);
    const started = Date.now();
    const stalled = rpcError(createTask(session.client, 'quick', { text: 'slow' }));
    // While that call waits, the server answers others.
    expect((await session.client.experimental.tasks.getTask(other.taskId)).status).toBe('working');
    const error = await stalled;
    expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT + 1_000);
    expect([error.code, sent(error)]).toEqual([
      ErrorCode.InternalError,
      `Task store unavailable: create did not answer within ${STORE_TIMEOUT} ms`,
    ]);
    expect(census(tasks)).toMatchObject({ admitted: 1, storeRecords: 1 });

    faults.rule = () => undefined;
    faults.release();
    // The record created after its caller was told "failed" is removed again.
    await eventually(() => census(tasks).storeRecords === 1 && faults.calls.includes('delete'));
    (await jobs.get('o')).finish();
    expect((await taskResult(session.client, other.taskId)).content).toEqual([{ type: 'text', text: 'done o' }]);
  });

  it("fails one task's tasks/get after storeTimeout while other tasks answer at once", async () => {
    const slow = await createTask(session.client, 'job', { key: 's' });
    const fast = await createTask(session.client, 'job', { key: 'f' });
    faults.rule = (method, args) => (method === 'get' && args[0] === slow.taskId ? 'stall' : undefined);
    const stalled = rpcError(session.client.experimental.tasks.getTask(slow.taskId));
    expect((await session.client.experimental.tasks.getTask(fast.taskId)).status).toBe('working');
    expect(sent(await stalled)).toBe(`Task store unavailable: get did not answer within ${STORE_TIMEOUT} ms`);
    faults.rule = () => undefined;
    faults.release();
    expect((await session.client.experimental.tasks.getTask(slow.taskId)).status).toBe('working');
  });

  it('does not hold close() hostage: every write stalls, close still returns', async () => {
    await createTask(session.client, 'job', { key: 'c1' });
    await createTask(session.client, 'forever', { key: 'c2' });
    faults.rule = () => 'stall';
    const started = Date.now();
    await tasks.close();
    expect(Date.now() - started).toBeLessThan(10 * STORE_TIMEOUT);
    expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0 });
  });
});
