/**
 * A late CreateTaskResult (its server task was cancelled while the client made its task) that
 * reaches the server while the client's standalone GET stream is down: the session tells the
 * client with `tasks/cancel` that nobody follows the task, and that request, which only the GET
 * stream can carry, waits for the stream as a follow's own tasks/get and tasks/cancel do
 * (engine/streamGap.ts), within the same grace; the session's close ends the wait, leaving no
 * listener or timer behind.
 *
 * Before: SessionRouter.withdrawn sent it at once, the session refused it for want of a stream, and
 * the client's task (an open dialog, say) ran on to its ttl.
 *
 * The real SDK v1 client over real HTTP, in front of an SDK v1 and an SDK v2 server; its fetch lets
 * the test drop the GET stream and hold the client's reconnect until the test lets it through.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { streamGrace } from '../../src/engine/streamGap.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { createTask, deferred, taskResult, testTaskSupport } from '../support/harness.js';
import { drain, until } from '../support/until.js';
import {
  cancelGraceWarning,
  connectGated,
  gatedGet,
  graceTimers,
  requestedSchema,
  serveGapServers,
  streamGapCleanups,
} from '../support/streamGapClient.js';

const cleanups = streamGapCleanups();

/**
 * A server task asks the client as a task; the client is slow to answer. The task is cancelled,
 * the client's GET stream drops, then the client answers with its CreateTaskResult: the late
 * answer reaches the server while no stream is open.
 */
async function lateAnswerInGap(line: 'v1' | 'v2') {
  // The warnings of tasks/cancel (the engine also warns of the late answer it drops).
  const warnings: unknown[][] = [];
  const tasks: TaskSupport = testTaskSupport({
    logger: { warn: (...args: unknown[]) => void (String(args[0]).includes('tasks/cancel') && warnings.push(args)), error: () => {} },
  });
  cleanups.push(() => tasks.close());
  const http = await serveGapServers(line, tasks, cleanups, (server) => {
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: answer.action }] };
    });
    // Called inline (a plain tools/call): its ask goes on the call's own stream, which needs no GET.
    tasks.registerTool(server, 'inlineAsk', { taskSupport: 'optional' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: answer.action }] };
    });
  });
  const router = http.router;
  const answer = deferred<void>();
  const { client, received } = workingClient('withdrawn-stream-gap', answer.promise);
  const get = gatedGet();
  cleanups.push(() => client.close());
  const transport = await connectGated(client, http.url, get, router);
  const task = await createTask(client, 'ask', {});
  // Its tasks/result carries the ask to the client, and ends with the cancel.
  const outcome = taskResult(client, task.taskId).then(
    () => 'completed',
    (error: Error) => error.message,
  );
  await until(() => received.includes('elicitation/create'), 'the task-augmented request to reach the client');
  await client.experimental.tasks.cancelTask(task.taskId);
  expect(await outcome).not.toBe('completed');
  get.drop();
  await until(() => router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
  const listening = (): number | undefined => router().reach?.listeners.size;
  answer.resolve();
  // The late answer arrived: its tasks/cancel waits for the stream (before, it was refused and warned of at once).
  await until(() => (listening() ?? 0) > 0 || warnings.length > 0, 'the late CreateTaskResult to reach the server');
  return { tasks, client, transport, received, warnings, get, listening };
}

for (const line of ['v1', 'v2'] as const) {
  describe(`a late CreateTaskResult while the client's GET stream is down (SDK ${line} server, Streamable HTTP)`, () => {
    it('its tasks/cancel waits for the stream and reaches the client once it opens again', async () => {
      const timers = graceTimers();
      const s = await lateAnswerInGap(line);
      expect(s.warnings).toEqual([]);
      expect(s.listening()).toBe(1);
      expect(timers.all()).toHaveLength(1);
      expect(s.received).not.toContain('tasks/cancel client-task-1');
      s.get.release();
      await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
      await until(() => s.listening() === 0, 'the wait to end');
      expect(timers.cleared(0)).toBe(true);
      expect(s.warnings).toEqual([]);
    });

    it("the session's close ends the wait at once, warned of, leaving no listener or timer", async () => {
      const timers = graceTimers();
      const s = await lateAnswerInGap(line);
      expect(timers.all()).toHaveLength(1);
      await s.transport.terminateSession();
      await until(() => s.warnings.length > 0, 'the warning');
      expect(s.warnings).toEqual([
        [
          "mcp-task-actors: tasks/cancel of the client's task client-task-1 failed",
          expect.objectContaining({
            message: 'tasks/cancel not sent: the session closed before its standalone stream (GET) opened again',
          }),
        ],
      ]);
      expect(s.listening()).toBe(0);
      expect(timers.cleared(0)).toBe(true);
      expect(s.received).not.toContain('tasks/cancel client-task-1');
    });

    it('TaskSupport.close() ends the wait at once, leaving no listener or timer', async () => {
      const timers = graceTimers();
      const s = await lateAnswerInGap(line);
      expect(timers.all()).toHaveLength(1);
      await s.tasks.close();
      await until(() => s.listening() === 0, 'the wait to end');
      expect(timers.cleared(0)).toBe(true);
      // The engine is closing: nothing to warn of (before, the wait's end was warned of as a failure).
      await drain();
      expect(s.warnings).toEqual([]);
      expect(s.received).not.toContain('tasks/cancel client-task-1');
    });

    it('is not sent when, by the time the stream opens, a follow of the session follows that task id', async () => {
      const s = await lateAnswerInGap(line);
      expect(s.listening()).toBe(1);
      // An inline call, which needs no GET stream, asks as a task: the client names its task client-task-1 again.
      const call = s.client
        .request({ method: 'tools/call', params: { name: 'inlineAsk', arguments: {} } }, CallToolResultSchema)
        .catch(() => 'ended');
      await until(() => s.received.includes('tasks/get client-task-1'), 'the inline follow to poll client-task-1');
      s.get.release();
      await until(() => s.listening() === 0, 'the wait to end');
      await drain();
      // Before, the followed task was cancelled under its follow once the stream opened.
      expect(s.received).not.toContain('tasks/cancel client-task-1');
      expect(s.warnings).toEqual([]);
      await s.client.close();
      await call;
    });

    it('is dropped, warned of, when no stream opens within the grace', async () => {
      streamGrace.ms = 200;
      const s = await lateAnswerInGap(line);
      await until(() => s.warnings.length > 0, 'the warning');
      expect(s.warnings).toEqual([cancelGraceWarning(0.2)]);
      expect(s.listening()).toBe(0);
    });
  });
}
