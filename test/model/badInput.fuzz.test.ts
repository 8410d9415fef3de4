import { afterAll, beforeAll, describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { z } from 'zod';
import { GetTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ScriptedWork } from '../support/scriptedWork.js';
import { until } from '../support/until.js';

/**
 * Random and malformed params for tasks/* and task-augmented tools/call, sent by a real SDK client.
 * Every reply must be a JSON-RPC error with the spec's code, arrive at all (no hang), and leave the
 * server serving and the existing tasks exactly as they were.
 */

const RUNS = { numRuns: 60 };
const anyJson = z.unknown();

let tasks: TaskSupport;
let session: Session;
let running: Task;
let finished: Task;
const runningWork = new ScriptedWork();

/** A request sent as is; resolves with the JSON-RPC error code (or throws if it succeeded). */
async function errorCodeOf(method: string, params: unknown): Promise<number> {
  const reply = await session.client.request({ method, params } as never, anyJson, { timeout: 2000 }).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('result' in reply) throw new Error(`${method} ${JSON.stringify(params)} succeeded: ${JSON.stringify(reply.result)}`);
  if (!(reply.error instanceof McpError)) throw reply.error;
  // The client's own timeout would be -32001: the server must answer, not go quiet.
  expect(reply.error.code, `${method} ${JSON.stringify(params)} got no answer`).not.toBe(-32001);
  return reply.error.code;
}

/** Anything JSON that is not a string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);

/** Anything JSON that is not an object. */
const notAnObject = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
);

/** Extra fields the spec lets a receiver ignore. */
const extras = fc.dictionary(
  fc.string({ maxLength: 6 }).filter((k) => !['taskId', '_meta', 'cursor', 'name', 'task', 'arguments', '__proto__'].includes(k)),
  fc.jsonValue(),
  { maxKeys: 2 },
);

/** `_meta` the MCP schema rejects. */
const badMeta = fc.oneof(
  notAnObject,
  fc.record({
    progressToken: fc.oneof(fc.boolean(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 1 })),
  }),
  fc.record({ 'io.modelcontextprotocol/related-task': fc.oneof(notAnObject, fc.record({ taskId: notAString })) }),
);

/** Params of tasks/get, tasks/result, tasks/cancel that must be rejected with -32602. */
const badTaskIdParams = fc.oneof(
  fc.tuple(notAString, extras).map(([taskId, rest]) => ({ ...rest, taskId })),
  extras,
  // A well-formed id nobody has: "not found" is -32602 too.
  fc.tuple(fc.string({ maxLength: 40 }), extras).map(([taskId, rest]) => ({ ...rest, taskId })),
  fc.tuple(fc.string({ maxLength: 40 }), badMeta).map(([taskId, _meta]) => ({ taskId, _meta })),
);

/** Task-augmented tools/call params with at least one part the spec or the tool rejects. */
const badToolCallParams = fc.oneof(
  fc.record({ name: notAString, task: fc.constant({}) }),
  fc.record({ name: fc.constant('scripted'), task: notAnObject.filter((t) => t !== null) }),
  fc.record({ name: fc.constant('scripted'), task: fc.record({ ttl: notAString.filter((t) => typeof t !== 'number') }) }),
  fc.record({ name: fc.constant('scripted'), task: fc.constant({}), arguments: notAnObject.filter((a) => a !== null) }),
  fc.record({
    name: fc.constant('scripted'),
    task: fc.constant({}),
    arguments: fc.record({ n: notAString.filter((n) => !Number.isInteger(n)) }),
  }),
  fc.record({ name: fc.string({ maxLength: 12 }).filter((n) => n !== 'scripted'), task: fc.constant({}) }),
  fc.record({ name: fc.constant('scripted'), task: fc.constant({}), _meta: badMeta }),
);

/** Params that are not a params object at all. */
const notParams = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 3 }));

async function expectExistingTasksUntouched(): Promise<void> {
  const get = (taskId: string) => session.client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
  expect(await get(running.taskId)).toEqual(running);
  expect(await get(finished.taskId)).toEqual(finished);
  expect((await taskResult(session.client, finished.taskId)).content).toEqual([{ type: 'text', text: 'kept' }]);
  expect(tasks.liveTaskActors, 'only the running task has an actor').toBe(1);
}

describe('bad input on the protocol surface', () => {
  beforeAll(async () => {
    tasks = testTaskSupport();
    let next: ScriptedWork = runningWork;
    session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'scripted', { taskSupport: 'required', inputSchema: { n: z.number().int().optional() } }, (args, task) =>
        next.run(args, task),
      ),
    );
    const created = await createTask(session.client, 'scripted', {});
    await runningWork.started.promise;
    await runningWork.do({ kind: 'status', message: 'steady' });
    running = (await session.client.request({ method: 'tasks/get', params: { taskId: created.taskId } }, GetTaskResultSchema)) as Task;
    const other = (next = new ScriptedWork());
    const done = await createTask(session.client, 'scripted', {});
    await other.started.promise;
    await other.do({ kind: 'return', result: { content: [{ type: 'text', text: 'kept' }] } });
    await until(() => tasks.liveTaskActors === 1, 'the finished task to retire');
    finished = (await session.client.request({ method: 'tasks/get', params: { taskId: done.taskId } }, GetTaskResultSchema)) as Task;
    expect(finished.status).toBe('completed');
    next = new ScriptedWork(); // calls that slip through would land here, and be caught by the checks
  });

  afterAll(async () => {
    await session.close();
    await tasks.close();
  });

  for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
    it.prop([badTaskIdParams], RUNS)(`${method} with bad params answers -32602`, async (params) => {
      expect(await errorCodeOf(method, params)).toBe(-32602);
    });
  }

  it.prop(
    [
      fc.oneof(
        notAString.filter((c) => c !== null),
        fc.string({ maxLength: 30 }),
      ),
    ],
    RUNS,
  )('tasks/list with a bad cursor answers -32602', async (cursor) => {
    expect(await errorCodeOf('tasks/list', { cursor })).toBe(-32602);
  });

  it.prop([badToolCallParams], RUNS)('task-augmented tools/call with bad params answers -32602', async (params) => {
    expect(await errorCodeOf('tools/call', params)).toBe(-32602);
  });

  it.prop([fc.constantFrom('tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/list', 'tools/call'), notParams], RUNS)(
    'a request whose params are not an object is answered with an error, not dropped',
    async (method, params) => {
      const code = await errorCodeOf(method, params);
      // Arrays are valid JSON-RPC params but not MCP params; anything else is not a valid request.
      expect(code).toBe(Array.isArray(params) ? -32602 : -32600);
    },
  );

  // Regressions found by this fuzzing: both were answered wrongly before the fixes in
  // the tools/call handler (a bare ZodError, -32603; now src/sdk/v1/host.ts + session/params.ts) and the transport wrapper (no reply at all; now src/sdk/v1/transport.ts).
  it('regression: malformed task-augmented tools/call params are -32602, not -32603', async () => {
    expect(await errorCodeOf('tools/call', { name: 5, task: {} })).toBe(-32602);
    expect(await errorCodeOf('tools/call', { name: 'scripted', task: 'soon' })).toBe(-32602);
    expect(await errorCodeOf('tools/call', { name: 'scripted', task: { ttl: '5' } })).toBe(-32602);
  });

  it('regression: a request the SDK schema rejects is answered, not dropped', async () => {
    expect(await errorCodeOf('tasks/get', { taskId: running.taskId, _meta: 5 })).toBe(-32602);
    // On tasks/get|result|cancel a related-task key is ignored (2025-11-25: receivers MUST); elsewhere a malformed one is refused.
    expect(await errorCodeOf('tools/call', { name: 'scripted', _meta: { 'io.modelcontextprotocol/related-task': 5 } })).toBe(-32602);
    expect(await errorCodeOf('tasks/cancel', 'all')).toBe(-32600);
  });

  it('keeps serving, with the existing tasks untouched', async () => {
    await expectExistingTasksUntouched();
    const listed = await session.client.request(
      { method: 'tasks/list', params: {} },
      z.looseObject({ tasks: z.array(z.looseObject({ taskId: z.string() })) }),
    );
    expect(listed.tasks.map((t) => t.taskId).sort()).toEqual([running.taskId, finished.taskId].sort());
  });
});
