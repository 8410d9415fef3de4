/**
 * A client whose `tasks/get` answers are not about its task as it is (a shape the schema refuses,
 * another task's status), followed by the server (`elicitAsTask` from a server task): a real SDK v1
 * client with scripted task handlers over the SDK's in-memory link. The work must get one readable
 * error (the SDK hands on the bare zod error, its issues as JSON), and the client's task, which it
 * still holds and nobody awaits now, must be cancelled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js';
import { createTask, deferred, sleep, taskResult } from '../support/harness.js';
import { clientTask, scriptedReceiver } from '../support/scriptedReceiver.js';
import type { Script, Setup } from '../support/scriptedReceiver.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The server and a scripted client (test/support/scriptedReceiver.ts), closed after the test. */
const setup = (script: Script, link?: 'http' | 'memory'): Promise<Setup> =>
  scriptedReceiver(script, (close) => void cleanups.push(close), link);

/** Starts the server task `ask` and waits for its elicitation/create to reach the client. */
async function ask(s: Setup): Promise<{ outcome: Promise<CallToolResult> }> {
  const { taskId } = await createTask(s.client, 'ask', {}, 10 * 60_000);
  const outcome = taskResult(s.client, taskId);
  outcome.catch(() => {});
  await until(() => s.received.includes('elicitation/create'), 'the task-augmented request to reach the client');
  return { outcome };
}

/** Why the server task failed: its tasks/result's error (a work's McpError), or its isError result's text. */
async function failure(outcome: Promise<CallToolResult>): Promise<string> {
  return outcome.then(
    (result) => (result.isError ? JSON.stringify(result.content) : `not failed: ${JSON.stringify(result.content)}`),
    (error: Error) => error.message,
  );
}

describe('following the task of a client whose tasks/get answers are not about its task as it is', () => {
  for (const link of ['http', 'memory'] as const) {
    it(`a tasks/get answer of an unknown status fails the ask with one readable error and cancels the client's task (${link})`, async () => {
      const s = await setup(
        { create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }), get: (id) => clientTask(id, 'paused') },
        link,
      );
      const why = await failure((await ask(s)).outcome);
      expect(why).toContain('Invalid answer from the client to tasks/get of its task client-task-1: status: Invalid option');
      expect(why).not.toContain('\\n');
      await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
      expect(s.count('tasks/cancel')).toBe(1);
      expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
    });
  }

  it("a tasks/get answer about another task cancels the client's own task, never the other", async () => {
    const s = await setup({
      create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }),
      get: () => clientTask('someone-else', 'working', { pollInterval: 10 }),
    });
    expect(await failure((await ask(s)).outcome)).toContain(
      'The client answered tasks/get of its task client-task-1 about task someone-else',
    );
    await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
    expect(s.received.filter((r) => r.includes('someone-else'))).toEqual([]);
  });

  it('a tasks/get that fails with a JSON-RPC error (the task is gone) sends no tasks/cancel', async () => {
    const s = await setup(
      {
        create: (id) => ({ task: clientTask(id, 'working', { pollInterval: 10 }) }),
        get: () => {
          throw new McpError(ErrorCode.InvalidParams, 'Task not found');
        },
      },
      'memory',
    );
    expect(await failure((await ask(s)).outcome)).toContain('Task not found');
    await sleep(100);
    expect(s.count('tasks/cancel')).toBe(0);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });
});

describe('following the task of a client whose reports go back on its end', () => {
  it('a `cancelled` report after `completed` neither ends the follow nor drops the open tasks/result: the work gets the answer', async () => {
    const answer = deferred<Result>();
    const s = await setup(
      {
        create: (id) => ({ task: clientTask(id, 'input_required', { ttl: null }) }),
        result: () => answer.promise as unknown as Result,
      },
      'memory',
    );
    const { outcome } = await ask(s);
    await until(() => s.received.includes('tasks/result client-task-1'), 'the follow to open tasks/result');
    for (const status of ['completed', 'cancelled', 'working']) {
      await s.client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', status, { ttl: null }) });
    }
    await sleep(50);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['active']);
    answer.resolve({ action: 'accept', content: { ok: true } });
    expect((await outcome).content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
    expect(s.count('tasks/result')).toBe(1);
    expect(s.count('tasks/cancel')).toBe(0);
    expect(s.actors.map((a) => a.getSnapshot().status)).toEqual(['done']);
  });
});
