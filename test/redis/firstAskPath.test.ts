/**
 * On Redis, the orderings of test/engine/firstAskPath.test.ts: a new task's first input request
 * goes out on the session's own stream, through the `tasks/result` that is open, or through it after
 * a push took the request and saw that call attach (handed back). Here the delays are real time
 * (ms) around the backend's own store and queue: its `get` (when the `tasks/result` attaches), its
 * `isOutstanding` (a push's look between its take and its send), and before and after a request's
 * enqueue reaches Redis (the reply late: the request is in the queue, its actor not yet told).
 * Whatever the ordering, the client is asked once and its answer reaches the work.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import type { OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { createTask, defaultClientCapabilities, newServer, sleep, taskResult } from '../support/harness.js';
import { hook, redisForFile } from '../support/redisInstances.js';

const file = redisForFile();

/** Delays in ms (see the file's comment); 0: none. */
interface Delays {
  get: number;
  look: number;
  enqueue: number;
  reply: number;
}

type Path = 'stream' | 'tasks/result' | 'tasks/result, handed back';

const wait = (ms: number): Promise<void> | undefined => (ms > 0 ? sleep(ms) : undefined);

it('asks a new task’s first request once whatever the ordering, and its answer reaches the work', async () => {
  const delays: Delays = { get: 0, look: 0, enqueue: 0, reply: 0 };
  let armed = false;
  let requeued = 0;
  const backend = await createRedisTaskBackend({ url: file.redis().url, prefix: 'paths:', instanceId: 'a' });
  const store = hook(backend.store, 'get', async (call) => {
    if (armed) await wait(delays.get);
    return call();
  });
  const queue = hook(
    hook(
      hook(backend.queue, 'enqueue', async (call, args) => {
        const request = (args[1] as OutboxMessage).kind === 'request';
        if (request) await wait(delays.enqueue);
        const enqueued = await call();
        if (request) await wait(delays.reply);
        return enqueued;
      }),
      'isOutstanding',
      async (call) => (await wait(delays.look), call()),
    ),
    'requeue',
    async (call, args) => {
      requeued += (args[1] as OutboxMessage[]).filter((message) => message.kind === 'request').length;
      return call();
    },
  );
  const tasks = new TaskSupport({
    store,
    queue,
    cluster: backend.cluster,
    storeTimeout: 5_000,
    logger: { warn: () => {}, error: () => {} },
  });
  const server = newServer();
  registerAskingTools(tasks, server);
  tasks.enable(server);
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: defaultClientCapabilities });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  let paths: Path[] = [];
  // A request on a call's response stream names that call.
  const send = serverTransport.send.bind(serverTransport);
  serverTransport.send = (message: JSONRPCMessage, options?: Parameters<typeof send>[1]) => {
    if ('method' in message && message.method === 'elicitation/create')
      paths.push(options?.relatedRequestId === undefined ? 'stream' : requeued > 0 ? 'tasks/result, handed back' : 'tasks/result');
    return send(message, options);
  };
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  let asked = 0;
  answerWith(client, { elicit: () => (asked++, { action: 'accept', content: { value: 'given' } }) });
  const seen = new Set<Path>();
  try {
    for (const enqueue of [0, 30]) {
      for (const reply of [0, 30]) {
        for (const look of [0, 60]) {
          for (const get of [0, 30]) {
            Object.assign(delays, { get, look, enqueue, reply });
            armed = false;
            paths = [];
            asked = 0;
            requeued = 0;
            const task = await createTask(client, 'ask', { key: 'q' });
            armed = true;
            const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
              throw new Error(`ordering ${JSON.stringify(delays)}: ${String(error)}`);
            });
            expect({ delays, paths: paths.length, content: result.content, asked }).toEqual({
              delays,
              paths: 1,
              content: [{ type: 'text', text: 'given' }],
              asked: 1,
            });
            seen.add(paths[0]!);
          }
        }
      }
    }
  } finally {
    await client.close();
    await server.close();
    await tasks.close();
    await backend.close();
  }
  // The sweep crosses the race: a push that looks for 60 ms sees the call that attached at 30 ms.
  expect([...seen].sort()).toEqual(['stream', 'tasks/result', 'tasks/result, handed back']);
}, 60_000);
