/**
 * `TasksExtensionClient` against a server whose operation rate limit (`limits.taskOperationRate`)
 * refuses some of the call's own requests with -32029 and `data.retryAfterMs`: the polls of a long
 * task, and the `tasks/update` carrying the user's answer. The limit says "not now, in N ms", so the
 * call waits that long and asks again. Before, the first refused `tasks/get` or `tasks/update` ended
 * the call with the -32029 and sent `tasks/cancel` (itself refused too, so the task ran on for
 * nobody): a client polling several tasks at once, or anonymous callers sharing one bucket,
 * lost their work (and a user's answer) to a limit that only asked them to slow down.
 */
import { afterEach, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { TasksExtensionClient } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, sleep, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

const LIMIT_EXCEEDED = -32029;
const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };

let tasks: TaskSupport;
let session: Session;
afterEach(async () => {
  await session.close();
  await tasks.close();
});

/** What the client sent and what the server refused, by method. */
interface Traffic {
  sent: Map<string, number>;
  refused: Map<string, number>;
}

/** Counts the client's requests and the -32029 answers to them. */
function countTraffic(session: Session): Traffic {
  const traffic: Traffic = { sent: new Map(), refused: new Map() };
  const methods = new Map<unknown, string>();
  const transport = session.client.transport!;
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) {
      methods.set(message.id, message.method);
      traffic.sent.set(message.method, (traffic.sent.get(message.method) ?? 0) + 1);
    }
    return send(message, options);
  };
  const onmessage = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    if ('error' in message && message.error.code === LIMIT_EXCEEDED) {
      const method = methods.get(message.id) ?? '?';
      traffic.refused.set(method, (traffic.refused.get(method) ?? 0) + 1);
    }
    onmessage(message, extra);
  };
  return traffic;
}

/** A server whose `approve` tool works a while, asks once, and records how it ended. */
async function setUp(rate: { perSecond: number; burst: number }): Promise<{ ended: string[] }> {
  const ended: string[] = [];
  tasks = testTaskSupport({ pollInterval: 10, limits: { minPollInterval: 10, taskOperationRate: rate } });
  const support = tasks;
  session = await connectInMemory(support, (server) => {
    support.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
      try {
        await sleep(150, task.signal);
        const answer = await task.elicit({ message: 'value?', requestedSchema: FORM });
        ended.push(answer.action === 'accept' ? String(answer.content?.['value']) : answer.action);
        return { content: [{ type: 'text', text: `got ${ended[0]}` }] };
      } catch (error) {
        ended.push(task.signal.aborted ? 'cancelled' : 'failed');
        throw error;
      }
    });
  });
  return { ended };
}

it('waits out refused polls and a refused tasks/update, and the task ends with the answer', async () => {
  // One token per 100 ms: polls every 10 ms are refused most of the time, and so is the update
  // the handler sends at once after the poll that showed the request.
  const { ended } = await setUp({ perSecond: 10, burst: 1 });
  const traffic = countTraffic(session);
  const helper = new TasksExtensionClient(session.client, {
    defaultPollIntervalMs: 10,
    onElicitation: () => ({ action: 'accept', content: { value: 'yes' } }),
  });
  const result = await helper.callTool({ name: 'approve', arguments: {} });
  expect(result.content).toEqual([{ type: 'text', text: 'got yes' }]);
  expect(ended).toEqual(['yes']);
  // The limit did refuse the call's requests (else this test proves nothing) …
  expect(traffic.refused.get('tasks/get') ?? 0).toBeGreaterThan(0);
  expect(traffic.refused.get('tasks/update') ?? 0).toBeGreaterThan(0);
  // … and no cancel was sent.
  expect(traffic.sent.get('tasks/cancel') ?? 0).toBe(0);
});

it('sends the tasks/cancel of an aborted call once the limit lets it (within 5 s), so the task does not run on for nobody', async () => {
  // One token per 500 ms: the first poll takes it, the next waits; the abort comes during that wait.
  const { ended } = await setUp({ perSecond: 2, burst: 1 });
  const traffic = countTraffic(session);
  // Never answers: the task waits for input, as a user who walked away leaves it.
  const helper = new TasksExtensionClient(session.client, { defaultPollIntervalMs: 10, onElicitation: () => new Promise(() => {}) });
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(new Error('the user gave up')), 100);
  const error = await helper.callTool({ name: 'approve', arguments: {} }, { signal: abort.signal }).catch((e: unknown) => e);
  expect((error as Error).message).toBe('the user gave up');
  expect(traffic.refused.get('tasks/get') ?? 0).toBeGreaterThan(0);
  // The cancel went out once the limit let it (within the helper's 5 s), and the work was cancelled.
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(traffic.refused.get('tasks/cancel') ?? 0).toBeGreaterThan(0);
  expect(ended).toEqual(['cancelled']);
});

it('still ends the call on a -32029 that names no retry time', async () => {
  const { ended } = await setUp({ perSecond: 1000, burst: 1000 });
  const traffic = countTraffic(session);
  // The second tasks/get is answered with a limit error without `retryAfterMs` (a server's live-task
  // limit, say): waiting would not cure it, so the call ends with it, cancelling its task.
  const transport = session.client.transport!;
  const polls = new Set<unknown>();
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && message.method === 'tasks/get' && 'id' in message) polls.add(message.id);
    return send(message, options);
  };
  const onmessage = transport.onmessage!;
  let answered = 0;
  transport.onmessage = (message, extra) => {
    if ('id' in message && polls.has(message.id) && ++answered === 2) {
      const error = { code: LIMIT_EXCEEDED, message: 'Too many live tasks', data: { limit: 'maxLiveTasksPerCaller', max: 1 } };
      return onmessage({ jsonrpc: '2.0', id: message.id, error }, extra);
    }
    onmessage(message, extra);
  };
  const helper = new TasksExtensionClient(session.client, { defaultPollIntervalMs: 10, onElicitation: () => new Promise(() => {}) });
  const error = await helper.callTool({ name: 'approve', arguments: {} }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(McpError);
  expect((error as McpError).code).toBe(LIMIT_EXCEEDED);
  expect(traffic.sent.get('tasks/get')).toBe(2);
  expect(traffic.sent.get('tasks/cancel')).toBe(1);
  await sleep(50);
  expect(ended).toEqual(['cancelled']);
});
