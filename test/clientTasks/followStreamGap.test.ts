/**
 * A server task follows its client's task (`elicitAsTask`, MCP 2025-11-25) over Streamable HTTP:
 * its `tasks/get` polls go on the client's standalone GET stream. That stream drops for a moment
 * (the client reconnects, a proxy cycles the connection): a poll that finds no stream open is no
 * failure, the follow waits for the stream (woken when the GET opens again) and polls on; only when
 * none opens within the grace does it fail, saying so. A cancel, the client's end of its task, or
 * the session's close ends the wait at once, leaving no listener or timer behind.
 *
 * The real SDK v1 client over real HTTP, in front of an SDK v1 and an SDK v2 server; its fetch lets
 * the test drop the GET stream and hold the client's reconnect until the test lets it through.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CancelTaskRequestSchema,
  ElicitRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { streamGrace } from '../../src/engine/streamGap.js';
import { clientTask } from '../support/scriptedReceiver.js';
import { createTask, deferred, taskResult, testTaskSupport } from '../support/harness.js';
import { drain, track, until } from '../support/until.js';
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

/** A follow whose GET stream dropped: its poll waits for the stream, on the grace timer counted here. */
async function waitingForStream(line: 'v1' | 'v2') {
  const timers = graceTimers();
  const s = await setup(line);
  await s.dropStream();
  expect(timers.all()).toHaveLength(1);
  return { timers, s };
}

async function setup(line: 'v1' | 'v2') {
  const warnings: unknown[][] = [];
  const tasks: TaskSupport = testTaskSupport({ logger: { warn: (...args: unknown[]) => void warnings.push(args), error: () => {} } });
  cleanups.push(() => tasks.close());
  // What each ask of the work ended with (its error's message, or `answered`).
  const asks: string[] = [];
  const http = await serveGapServers(line, tasks, cleanups, (server) => {
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema }).catch((error: Error) => {
        asks.push(error.message);
        throw error;
      });
      asks.push('answered');
      return { content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content ?? {})}` }] };
    });
  });
  const router = http.router;
  const client = new Client(
    { name: 'follow-stream-gap', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } } },
  );
  const received: string[] = [];
  // The client's task: `working` until the test ends it.
  let status: 'working' | 'input_required' | 'completed' | 'cancelled' = 'working';
  // How many tasks/result the client leaves unanswered, as if lost with the stream, before it answers.
  let lostResults = 0;
  // Whether the first tasks/result fails, once the next one came (the client read it before the drop).
  let firstFailsLate = false;
  const nextResult = deferred<void>();
  // tasks/get the client holds unanswered while `holding` (a slow client), each failed when the test says.
  let holding = false;
  const held: ((error: Error) => void)[] = [];
  // While set, the client holds its answer to tasks/cancel (its task is cancelled at once) until it resolves.
  let cancelAnswer: Promise<void> | undefined;
  const report = (taskId: string) => clientTask(taskId, status, { pollInterval: 10, ttl: null }) as never;
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    received.push(request.params.task ? 'elicitation/create as a task' : 'elicitation/create');
    return { task: report('client-task-1') } as never;
  });
  client.setRequestHandler(GetTaskRequestSchema, (request) => {
    received.push(`tasks/get ${request.params.taskId}`);
    if (holding) return new Promise<never>((_resolve, reject) => held.push(reject));
    return report(request.params.taskId);
  });
  client.setRequestHandler(GetTaskPayloadRequestSchema, (request) => {
    received.push(`tasks/result ${request.params.taskId}`);
    const results = received.filter((r) => r.startsWith('tasks/result')).length;
    if (results === 2) nextResult.resolve();
    if (results === 1 && firstFailsLate)
      return nextResult.promise.then(() => Promise.reject(new Error('the lost tasks/result failed late')));
    if (lostResults > 0 && lostResults--) return new Promise<never>(() => {});
    return { action: 'accept', content: { ok: true } } as never;
  });
  client.setRequestHandler(CancelTaskRequestSchema, async (request) => {
    received.push(`tasks/cancel ${request.params.taskId}`);
    // The spec's answer for a task already terminal.
    if (status === 'cancelled' || status === 'completed') throw new McpError(-32602, `Task ${request.params.taskId} is already ${status}`);
    status = 'cancelled';
    await cancelAnswer;
    return clientTask(request.params.taskId, 'cancelled') as never;
  });
  const get = gatedGet();
  cleanups.push(() => client.close());
  const transport = await connectGated(client, http.url, get, router);
  const task = await createTask(client, 'ask', {});
  const result = track(taskResult(client, task.taskId));
  const polls = (): number => received.filter((r) => r.startsWith('tasks/get')).length;
  const listening = (): number | undefined => router().reach?.listeners.size;
  await until(() => polls() >= 2, 'the follow to poll the client task');
  /** Drops the GET stream and waits until a poll found none open: the follow waits for it (or, before the fix, failed). */
  const dropStream = async (): Promise<void> => {
    get.drop();
    await until(() => router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
    await until(() => (listening() ?? 0) > 0 || result.settled !== undefined, 'a poll to find no stream');
  };
  return {
    tasks,
    transport,
    asks,
    client,
    task,
    result,
    received,
    polls,
    get,
    router,
    listening,
    dropStream,
    warnings,
    /** The client holds each tasks/get from now on unanswered; how many it holds. */
    holdPolls: () => void (holding = true),
    held: () => held.length,
    /**
     * The client answers tasks/get from now on; returns what fails those it holds now (late, as the
     * SDK's timeout would), and only those: a poll it answers stays answered.
     */
    stopHolding: (): (() => void) => {
      holding = false;
      const lost = held.splice(0);
      return () => {
        for (const reject of lost) reject(new Error('the lost tasks/get failed late'));
      };
    },
    /** The client cancels its task at tasks/cancel but answers only once `answer` resolves. */
    holdCancelAnswer: (answer: Promise<void>) => void (cancelAnswer = answer),
    /** The next `count` tasks/result are never answered (the request lost with its stream). */
    loseResults: (count: number) => void (lostResults = count),
    /** The first tasks/result fails once the next one came. */
    failFirstResultLate: () => void (firstFailsLate = true),
    end: (to: 'input_required' | 'completed' | 'cancelled') => void (status = to),
    serverStatus: async () => client.experimental.tasks.getTask(task.taskId),
  };
}

for (const line of ['v1', 'v2'] as const) {
  describe(`a follow whose client's GET stream drops (SDK ${line} server, Streamable HTTP)`, () => {
    it("waits for the stream to open again and completes with the client task's result", async () => {
      const s = await setup(line);
      await s.dropStream();
      expect(s.result.settled).toBeUndefined();
      // The client's task ends while the stream is down: the polls after the stream reopens report it.
      const pollsInGap = s.polls();
      s.end('completed');
      s.get.release();
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      expect(s.result.settled).toEqual({
        ok: true,
        value: expect.objectContaining({ content: [{ type: 'text', text: 'accept:{"ok":true}' }] }),
      });
      expect(s.polls()).toBeGreaterThan(pollsInGap);
      expect(s.asks).toEqual(['answered']);
      expect(s.received).toContain('tasks/result client-task-1');
      expect(s.listening()).toBe(0);
    });

    it('fails the task, saying why, when no stream opens within the grace', async () => {
      streamGrace.ms = 200;
      const s = await setup(line);
      await s.dropStream();
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      const task = await s.serverStatus();
      expect(task.status).toBe('failed');
      expect(task.statusMessage).toMatch(/tasks\/get not sent: the session's standalone stream \(GET\) did not open again within 0\.2 s/);
      expect(s.listening()).toBe(0);
    });

    it('a cancel of the server task during the wait ends the wait at once; its tasks/cancel goes out once the stream opens', async () => {
      const timers = graceTimers();
      const s = await setup(line);
      await s.dropStream();
      expect(s.listening()).toBe(1);
      expect(timers.all()).toHaveLength(1);
      await s.client.experimental.tasks.cancelTask(s.task.taskId);
      // The poll's wait ended; tasks/cancel waits for the stream (before, it was refused and the client's task ran on).
      await until(() => timers.all().length === 2, "tasks/cancel's wait");
      expect(timers.cleared(0)).toBe(true);
      expect(s.listening()).toBe(1);
      expect((await s.serverStatus()).status).toBe('cancelled');
      s.get.release();
      await until(() => s.received.includes('tasks/cancel client-task-1'), "the client's task to be cancelled");
      await until(() => s.listening() === 0, 'the wait to end');
      expect(timers.cleared(1)).toBe(true);
      expect(s.warnings).toEqual([]);
    });

    it('a tasks/cancel that no stream carries within the grace is warned of and dropped, leaving nothing behind', async () => {
      const timers = graceTimers();
      const s = await setup(line);
      await s.dropStream();
      // The poll's wait keeps the long grace; the cancel's gets a short one.
      streamGrace.ms = 200;
      await s.client.experimental.tasks.cancelTask(s.task.taskId);
      await until(() => s.warnings.length > 0, 'the warning');
      expect(s.warnings).toEqual([cancelGraceWarning(0.2)]);
      expect(s.listening()).toBe(0);
      expect(timers.cleared(0)).toBe(true);
      expect(s.received).not.toContain('tasks/cancel client-task-1');
    });

    it('TaskSupport.close() drops a tasks/cancel waiting for the stream at once', async () => {
      const timers = graceTimers();
      const s = await setup(line);
      await s.dropStream();
      await s.client.experimental.tasks.cancelTask(s.task.taskId);
      await until(() => timers.all().length === 2, "tasks/cancel's wait");
      await s.tasks.close();
      expect(s.listening()).toBe(0);
      expect(timers.cleared(1)).toBe(true);
      // The engine is closing: nothing to warn of.
      await drain();
      expect(s.warnings).toEqual([]);
    });

    it('a tasks/cancel sent again after its stream dropped finds the task it cancelled terminal: no failure', async () => {
      const s = await setup(line);
      const answer = deferred<void>();
      s.holdCancelAnswer(answer.promise);
      await s.client.experimental.tasks.cancelTask(s.task.taskId);
      await until(() => s.received.includes('tasks/cancel client-task-1'), 'tasks/cancel to reach the client');
      // The client read it and cancelled its task; its answer is lost with the stream.
      s.get.drop();
      await until(() => s.router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
      answer.resolve();
      s.get.release();
      await until(() => s.received.filter((r) => r === 'tasks/cancel client-task-1').length === 2, 'tasks/cancel sent again');
      await until(() => s.listening() === 0, 'the cancel to end');
      await drain();
      // Before, its -32602 (already terminal) was warned of as a failed tasks/cancel.
      expect(s.warnings).toEqual([]);
    });

    /**
     * The client task goes `input_required`, its tasks/result opens, the GET drops and comes back:
     * the task completes with the client's answer, from a tasks/result sent a second time.
     */
    async function resultAcrossDrop(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
      s.end('input_required');
      await until(() => s.received.includes('tasks/result client-task-1'), 'tasks/result to be open');
      s.get.drop();
      await until(() => s.router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
      s.get.release();
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      expect(s.result.settled).toEqual({
        ok: true,
        value: expect.objectContaining({ content: [{ type: 'text', text: 'accept:{"ok":true}' }] }),
      });
      expect(s.received.filter((r) => r === 'tasks/result client-task-1')).toHaveLength(2);
      expect(s.asks).toEqual(['answered']);
      expect(s.warnings).toEqual([]);
    }

    it('sends an open tasks/result again when the stream that carried it drops, and completes with its answer', async () => {
      const s = await setup(line);
      s.loseResults(1);
      // Before, the lost tasks/result was awaited until the client's ttl (none here): the task stayed input_required.
      await resultAcrossDrop(s);
      expect(s.listening()).toBe(0);
    });

    it("the first tasks/result's late failure (the client read it before the drop) does not fail the follow", async () => {
      const s = await setup(line);
      s.failFirstResultLate();
      await resultAcrossDrop(s);
    });

    it('fails the task, saying why, when the stream that carried tasks/result does not open again within the grace', async () => {
      const s = await setup(line);
      s.loseResults(1);
      s.end('input_required');
      await until(() => s.received.includes('tasks/result client-task-1'), 'tasks/result to be open');
      streamGrace.ms = 200;
      s.get.drop();
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      const task = await s.serverStatus();
      expect(task.status).toBe('failed');
      expect(task.statusMessage).toMatch(
        /tasks\/result not sent: the session's standalone stream \(GET\) did not open again within 0\.2 s/,
      );
      expect(s.asks).toHaveLength(1);
      expect(s.listening()).toBe(0);
    });

    it('polls lost with a dropped stream free their slots: a slow client is polled again as soon as its GET is back', async () => {
      const s = await setup(line);
      // A client slower than the 10 ms interval: the follow has its 64 polls out, and sends no more.
      s.holdPolls();
      await until(() => s.held() === 64, '64 polls out');
      const before = s.polls();
      s.get.drop();
      // The 64 held polls are lost with the stream; the client answers those sent from now on.
      const failLost = s.stopHolding();
      await until(() => s.router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
      s.get.release();
      // Before, the 64 lost polls kept their slots until the SDK's 60 s timeout: no poll for a minute.
      await until(() => s.polls() > before, 'a poll after the GET stream opened again');
      // The lost polls fail late: not the follow's failure, which completes with the client's answer.
      failLost();
      s.end('completed');
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      expect(s.result.settled).toEqual({
        ok: true,
        value: expect.objectContaining({ content: [{ type: 'text', text: 'accept:{"ok":true}' }] }),
      });
      expect(s.asks).toEqual(['answered']);
      expect(s.listening()).toBe(0);
    });

    it("the session's close during the wait fails the ask at once, saying so", async () => {
      const { timers, s } = await waitingForStream(line);
      await s.transport.terminateSession();
      await until(() => s.asks.length > 0, 'the ask to end');
      expect(s.asks).toEqual(['tasks/get not sent: the session closed before its standalone stream (GET) opened again']);
      expect(s.listening()).toBe(0);
      expect(timers.cleared(0)).toBe(true);
    });

    it('TaskSupport.close() during the wait ends it at once', async () => {
      const { timers, s } = await waitingForStream(line);
      await s.tasks.close();
      expect(s.listening()).toBe(0);
      expect(timers.cleared(0)).toBe(true);
    });

    it("the client's task cancelled during the wait (its status notification) ends the wait at once", async () => {
      const { timers, s } = await waitingForStream(line);
      s.end('cancelled');
      await s.client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', 'cancelled') } as never);
      await until(() => s.asks.length > 0, 'the ask to end');
      expect(s.asks).toEqual(['The client cancelled its task client-task-1']);
      expect(s.listening()).toBe(0);
      expect(timers.cleared(0)).toBe(true);
    });

    it("the client's task completed during the wait: the poll's wait ends, and tasks/result waits for the stream in its turn", async () => {
      const { timers, s } = await waitingForStream(line);
      s.end('completed');
      await s.client.notification({ method: 'notifications/tasks/status', params: clientTask('client-task-1', 'completed') } as never);
      // The poll's wait ended; the follow now fetches the result, which waits for a stream too.
      await until(() => timers.all().length === 2, "tasks/result's wait");
      expect(timers.cleared(0)).toBe(true);
      expect(s.listening()).toBe(1);
      expect(s.result.settled).toBeUndefined();
      s.get.release();
      await until(() => s.result.settled !== undefined, "the task's result", 5000);
      expect(s.result.settled).toEqual({
        ok: true,
        value: expect.objectContaining({ content: [{ type: 'text', text: 'accept:{"ok":true}' }] }),
      });
      expect(s.listening()).toBe(0);
      expect(timers.cleared(1)).toBe(true);
    });
  });
}
