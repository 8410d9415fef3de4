/**
 * `TasksExtensionClient` when a `tasks/update` carrying the user's answer is answered -32603. This
 * library's server answers so when it could not pass the answer on to its instance running the task
 * (Redis away past a minute) while the request is still outstanding, with "send it again"
 * (src/protocol/tasksExtension/deliverAnswer.ts). Before, the call ended with that error and
 * cancelled the task, the user's answer lost. Now the answer is sent again a few times, backing off.
 * The server here is real; the first `tasks/update`s never reach it and are answered -32603 on the
 * client's transport instead, as a server whose Redis is away that long cannot be made in a test's time.
 */
import { afterEach, expect, it } from 'vitest';
import { TasksExtensionClient } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

const INTERNAL_ERROR = -32603;
const SEND_AGAIN = 'Could not pass the answer to r1 on to the server instance running task t1; it is still outstanding: send it again';
const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };

let tasks: TaskSupport;
let session: Session;
afterEach(async () => {
  await session.close();
  await tasks.close();
});

/** A server whose `approve` tool asks once; what the client sent, by method; the first `refused` updates answered -32603. */
async function setUp(refused: number): Promise<{ sent: Map<string, number> }> {
  tasks = testTaskSupport({ pollInterval: 10, limits: { minPollInterval: 10 } });
  const support = tasks;
  session = await connectInMemory(support, (server) => {
    support.registerTool(server, 'approve', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicit({ message: 'value?', requestedSchema: FORM });
      return { content: [{ type: 'text', text: `got ${String(answer.content?.['value'])}` }] };
    });
  });
  const sent = new Map<string, number>();
  let answered = 0;
  const transport = session.client.transport!;
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) {
      sent.set(message.method, (sent.get(message.method) ?? 0) + 1);
      // Not delivered: the server answers that it could not pass the answer on, as it does when the
      // instance running the task is out of its reach; the request stays outstanding.
      if (message.method === 'tasks/update' && ++answered <= refused) {
        const error = { code: INTERNAL_ERROR, message: SEND_AGAIN };
        setImmediate(() => transport.onmessage?.({ jsonrpc: '2.0', id: message.id, error }));
        return;
      }
    }
    return send(message, options);
  };
  return { sent };
}

it('sends an answer again whose tasks/update was answered -32603, and the task ends with it, not cancelled', async () => {
  const { sent } = await setUp(2);
  const helper = new TasksExtensionClient(session.client, {
    defaultPollIntervalMs: 10,
    onElicitation: () => ({ action: 'accept', content: { value: 'yes' } }),
  });
  const result = await helper.callTool({ name: 'approve', arguments: {} });
  expect(result.content).toEqual([{ type: 'text', text: 'got yes' }]);
  expect(sent.get('tasks/update')).toBe(3);
  expect(sent.get('tasks/cancel') ?? 0).toBe(0);
});

it('gives up after three more tries: the call ends with the -32603, and the task is cancelled', async () => {
  const { sent } = await setUp(Infinity);
  const helper = new TasksExtensionClient(session.client, {
    defaultPollIntervalMs: 10,
    onElicitation: () => ({ action: 'accept', content: { value: 'yes' } }),
  });
  const error = await helper.callTool({ name: 'approve', arguments: {} }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: INTERNAL_ERROR });
  expect((error as Error).message).toContain('send it again');
  expect(sent.get('tasks/update')).toBe(4);
  expect(sent.get('tasks/cancel')).toBe(1);
});
