/**
 * The session router with a `TaskSupport` logger that throws (its sink down): work the router lets
 * go of logs its own failures, and a throw from that logging must not become an unhandled rejection
 * (which ends a Node process). Before, each of these rejected unhandled from its log call: an answer
 * POSTed to a stateless host for a task nobody has (any client can send one), the put-back of an
 * unanswered pushed request when its session closed while the queue failed, and the `tasks/cancel`
 * of a client's task made by a late task-augmented answer when the client refused it.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { InMemoryTaskOutbox } from '../../src/index.js';
import type { TaskSupport } from '../../src/index.js';
import { testTaskSupport } from '../support/harness.js';
import { raw } from '../http/rawHttp.js';
import { openAskSession, rpc } from '../support/rawAskSession.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A logger that throws for every message matching `throwsFor` (once `armed`), counting those calls;
 * `seen` keeps every message.
 */
function throwingLogger(throwsFor: RegExp, armed = true) {
  const logger = {
    armed,
    calls: 0,
    seen: [] as unknown[],
    warn: (message: unknown): void => log(message),
    error: (message: unknown): void => log(message),
  };
  const log = (message: unknown): void => {
    logger.seen.push(message);
    if (!logger.armed || !throwsFor.test(String(message))) return;
    logger.calls += 1;
    throw new Error('log sink down');
  };
  return logger;
}

/** An outbox whose `isOutstanding` fails once `failing` is set (a store gone away). */
class FailingOutbox extends InMemoryTaskOutbox {
  failing = false;
  override async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    if (this.failing) throw new Error('queue unavailable');
    return super.isOutstanding(taskId, requestId);
  }
}

async function listening(tasks: TaskSupport, sessions: boolean, setup: (server: McpServer) => void = () => {}): Promise<string> {
  const host = new McpHttpHost({
    sessions,
    createServer: () => {
      const server = new McpServer({ name: 'throwing-logger', version: '1' });
      setup(server);
      tasks.enable(server);
      return server;
    },
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(
    () => tasks.close(),
    () => host.close(),
  );
  return url;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('SessionRouter with a logger that throws', () => {
  it('a stateless answer to a task nobody has is dropped without an unhandled rejection', async () => {
    const logger = throwingLogger(/./);
    const url = await listening(testTaskSupport({ logger }), false);
    const answer = JSON.stringify({ jsonrpc: '2.0', id: 'mta-0123abcd-1~no-such-task', result: { action: 'decline' } });
    const response = await raw(url, 'POST', answer, { 'mcp-protocol-version': '2025-11-25' });
    expect(response.status).toBe(202);
    await expect.poll(() => logger.calls).toBe(1);
    // The failure handler ran and threw; give its rejection a turn to surface (failOnUnhandled).
    await sleep(20);
  });

  it('the put-back of a pushed, unanswered request when its session closes and the queue fails', async () => {
    // Only the put-back's own log throws: the store guard's log of the failed call is not this file's.
    const logger = throwingLogger(/could not put back/, false);
    const queue = new FailingOutbox();
    const tasks = testTaskSupport({ logger, queue });
    const url = await listening(tasks, true, (server) =>
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: answer.action }] };
      }),
    );
    // The session's GET stream is where a polled task's input request is pushed.
    const { headers, get, taskId } = await openAskSession(url, (close) => void cleanups.push(close));
    await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tasks/get', params: { taskId } }), headers);
    await expect.poll(() => get.text().includes('"method":"elicitation/create"')).toBe(true);
    expect(logger.seen).toEqual([]);
    // Unanswered, its session ends while the queue is away: the put-back fails, and so does its log.
    queue.failing = true;
    logger.armed = true;
    expect((await raw(url, 'DELETE', undefined, headers)).status).toBe(200);
    await expect.poll(() => logger.calls).toBeGreaterThanOrEqual(1);
    await sleep(20);
  });
});

describe('SessionRouter with a logger that throws: a late task-augmented answer', () => {
  it('whose tasks/cancel to the client fails is let go without an unhandled rejection', async () => {
    const logger = throwingLogger(/tasks\/cancel of the client's task/);
    const tasks = testTaskSupport({ logger });
    const url = await listening(tasks, true, (server) =>
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: answer.action }] };
      }),
    );
    const capabilities = { elicitation: {}, tasks: { cancel: {}, requests: { elicitation: { create: {} } } } };
    const { headers, get, taskId } = await openAskSession(url, (close) => void cleanups.push(close), capabilities);
    const sent = (method: string): { id: string | number } | undefined =>
      get
        .text()
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { id: string | number; method?: string })
        .find((message) => message.method === method);
    await raw(url, 'POST', rpc(3, 'tasks/get', { taskId }), headers);
    await expect.poll(() => sent('elicitation/create')).toBeDefined();
    // The task stops waiting; then the client answers with a task of its own (a late CreateTaskResult).
    await raw(url, 'POST', rpc(4, 'tasks/cancel', { taskId }), headers);
    const now = new Date().toISOString();
    const lateTask = { taskId: 'client-task-1', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000 };
    const late = JSON.stringify({ jsonrpc: '2.0', id: sent('elicitation/create')!.id, result: { task: lateTask } });
    expect((await raw(url, 'POST', late, headers)).status).toBe(202);
    // The server tells the client to cancel that task; the client refuses, and the warning throws.
    await expect.poll(() => sent('tasks/cancel')).toBeDefined();
    const refusal = JSON.stringify({ jsonrpc: '2.0', id: sent('tasks/cancel')!.id, error: { code: -32602, message: 'no such task' } });
    expect((await raw(url, 'POST', refusal, headers)).status).toBe(202);
    await expect.poll(() => logger.calls).toBe(1);
    await sleep(20);
  });
});
