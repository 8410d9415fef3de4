import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { TasksExtensionClient } from '../../../src/client/index.js';
import { TaskSupport } from '../../../src/index.js';
import type { TaskSupportMode } from '../../../src/index.js';
import { connectInMemory, createTask, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { useWorkerPools } from './workerPoolFixture.js';

// A worker can run another version of a tool than the front that took the call (a rolling
// deploy): the front's input schema accepts the arguments, the worker's refuses them. The task
// exists by then, so it fails, and the client must learn what an in-process call of the worker's
// version answers: -32602 "Invalid arguments for tool job: …", in either protocol; never that the
// tool is "not registered" on a worker that serves it.
const { split } = useWorkerPools('ia');
const FRONT_SCHEMA = { n: z.number() };
const WORKER_SCHEMA = { n: z.string() };
const ARGS = { n: 1 };

const inProcess: Session[] = [];
afterEach(async () => {
  while (inProcess.length > 0) await inProcess.pop()!.close();
});

/** What a plain in-process task tool with the worker's schema answers for these arguments. */
async function inProcessError(taskSupport: TaskSupportMode, call: (session: Session) => Promise<unknown>): Promise<McpError> {
  const tasks = TaskSupport.inMemory();
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'job', { taskSupport, inputSchema: WORKER_SCHEMA }, async () => ({ content: [] })),
  );
  inProcess.push(session);
  return rpcError(call(session));
}

/** A front with the front's version of `job`, and a worker with the worker's (whose work never runs). */
async function skewed(taskSupport: TaskSupportMode): Promise<{ session: Session; runs: () => number }> {
  const s = split();
  const { session } = await s.front('job', { taskSupport, inputSchema: FRONT_SCHEMA });
  let runs = 0;
  await s.worker('worker', 'job', { taskSupport, inputSchema: WORKER_SCHEMA }, async () => {
    runs++;
    return { content: [] };
  });
  return { session, runs: () => runs };
}

const extension = (session: Session): TasksExtensionClient => new TasksExtensionClient(session.client, { defaultPollIntervalMs: 50 });

describe('arguments a worker’s input schema refuses', () => {
  it('2025-11-25: the task fails, and tasks/result answers the -32602 an in-process call gives', async () => {
    const expected = await inProcessError('required', (session) => createTask(session.client, 'job', ARGS));
    expect(expected.code).toBe(-32602);
    expect(expected.message).toMatch(/Invalid arguments for tool job: /);

    const { session, runs } = await skewed('required');
    const task = await createTask(session.client, 'job', ARGS);
    const error = await rpcError(taskResult(session.client, task.taskId));
    expect([error.code, error.message]).toEqual([expected.code, expected.message]);
    const failed = await session.client.experimental.tasks.getTask(task.taskId);
    expect(failed.status).toBe('failed');
    expect(failed.statusMessage).toMatch(/^Invalid arguments for tool job: /);
    expect(failed.statusMessage).not.toMatch(/not registered/);
    expect(runs()).toBe(0);
  });

  it.each(['required', 'optional'] as const)(
    'tasks extension (%s tool): the call answers the -32602 an in-process call gives',
    async (taskSupport) => {
      const expected = await inProcessError(taskSupport, (session) => extension(session).callTool({ name: 'job', arguments: ARGS }));
      expect(expected.code).toBe(-32602);

      const { session, runs } = await skewed(taskSupport);
      const error = await rpcError(extension(session).callTool({ name: 'job', arguments: ARGS }));
      expect([error.code, error.message]).toEqual([expected.code, expected.message]);
      expect(runs()).toBe(0);
    },
  );
});
