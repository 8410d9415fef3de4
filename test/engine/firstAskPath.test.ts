/**
 * A new task's first input request goes out on the session's own stream when no `tasks/result`
 * of the task is open as the request is queued (TaskPort asked/pushQueued), else through that
 * `tasks/result` (TaskResultHandler deliver), or through it after a push took the request and saw
 * the `tasks/result` attach meanwhile (handed back to the queue). Which one wins depends on a few
 * turns: the `tasks/result`'s first read of the store against the work's enqueue. Here the orderings
 * are forced over a real SDK v1 Client and McpServer on InMemoryTransport, with delays of a chosen
 * number of turns (microtasks, then event-loop turns) in the store's `get`, the queue's
 * `isOutstanding` (the look a push makes between its take and its send), and before and after a
 * request's enqueue reaches the queue. Whatever the path, the client is asked once and its answer
 * reaches the work, and the sweep sees all three paths, so it does cross the race. A reply to the
 * enqueue that came a turn late hung the task before holdWritesUntilAsked (answerBeforeAsked.test.ts).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { EnqueueOptions, OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { answerWith, registerAskingTools } from '../support/askingTools.js';
import { createTask, defaultClientCapabilities, newServer, taskResult, testTaskSupport } from '../support/harness.js';

/** A delay of `100 * i + m`: `i` turns of the event loop (setImmediate), then `m` turns of the microtask queue. */
async function delay(units: number): Promise<void> {
  for (let i = 0; i < Math.floor(units / 100); i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < units % 100; i++) await Promise.resolve();
}

/** The in-memory store, whose `get` is delayed once armed (the tasks/result's first read, and later ones). */
class SlowGetStore extends InMemoryTaskRecordStore {
  armed = false;
  constructor(private readonly delay: number) {
    super();
  }
  override async get(...args: Parameters<InMemoryTaskRecordStore['get']>): ReturnType<InMemoryTaskRecordStore['get']> {
    if (this.armed) await delay(this.delay);
    return super.get(...args);
  }
}

/** The delays of one ordering (see {@link delay}). */
interface Delays {
  /** The store's `get`, from the tasks/result on (its first read decides when it attaches). */
  get: number;
  /** The queue's `isOutstanding`: where a push looks between its take and its send. */
  look: number;
  /** Before a request's enqueue reaches the queue: the work asks later. */
  enqueue: number;
  /** After it reached the queue, before it answers: the request is visible, its actor not yet told. */
  reply: number;
}

/** The in-memory queue with {@link Delays}; counts the requests put back to the front. */
class SlowQueue extends InMemoryTaskOutbox {
  requeued = 0;
  constructor(private readonly delays: Delays) {
    super();
  }
  override async enqueue(taskId: string, message: OutboxMessage, options?: EnqueueOptions): Promise<number> {
    if (message.kind === 'request') await delay(this.delays.enqueue);
    const dropped = await super.enqueue(taskId, message, options);
    if (message.kind === 'request') await delay(this.delays.reply);
    return dropped;
  }
  override async isOutstanding(taskId: string, requestId: string): Promise<boolean> {
    await delay(this.delays.look);
    return super.isOutstanding(taskId, requestId);
  }
  override async requeue(taskId: string, messages: readonly OutboxMessage[]): Promise<void> {
    this.requeued += messages.filter((message) => message.kind === 'request').length;
    return super.requeue(taskId, messages);
  }
}

/** On the session's stream; through the tasks/result; through it after a push took it and handed it back. */
type Path = 'stream' | 'tasks/result' | 'tasks/result, handed back';

/** One task through one ordering: the paths its request went out on, and what the client got. */
async function run(delays: Delays): Promise<{ paths: Path[]; text: unknown; asked: number }> {
  const store = new SlowGetStore(delays.get);
  const queue = new SlowQueue(delays);
  const tasks = testTaskSupport({ store, queue });
  const server = newServer();
  registerAskingTools(tasks, server);
  tasks.enable(server);
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: defaultClientCapabilities });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const paths: Path[] = [];
  // What the server sends: a request on a call's response stream names that call.
  const send = serverTransport.send.bind(serverTransport);
  serverTransport.send = (message: JSONRPCMessage, options?: Parameters<typeof send>[1]) => {
    if ('method' in message && message.method === 'elicitation/create')
      paths.push(options?.relatedRequestId === undefined ? 'stream' : queue.requeued > 0 ? 'tasks/result, handed back' : 'tasks/result');
    return send(message, options);
  };
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  let asked = 0;
  answerWith(client, { elicit: () => (asked++, { action: 'accept', content: { value: 'given' } }) });
  try {
    const task = await createTask(client, 'ask', { key: 'q' });
    store.armed = true;
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    return { paths, text: result.content, asked };
  } finally {
    await client.close();
    await server.close();
    await tasks.close();
  }
}

it('asks a new task’s first request once, on whichever path the ordering gives, and its answer reaches the work', async () => {
  const seen = new Set<Path>();
  for (const enqueue of [0, 200]) {
    for (const reply of [0, 100, 200]) {
      for (const look of [0, 104, 200]) {
        for (const get of [0, 16, 64, 100, 104, 116, 200, 300]) {
          const delays = { get, look, enqueue, reply };
          const { paths, text, asked } = await run(delays).catch((error: unknown) => {
            throw new Error(`ordering ${JSON.stringify(delays)}: ${String(error)}`);
          });
          expect({ delays, paths, text, asked }).toEqual({
            delays,
            paths: [expect.stringMatching(/^(stream|tasks\/result|tasks\/result, handed back)$/)],
            text: [{ type: 'text', text: 'given' }],
            asked: 1,
          });
          seen.add(paths[0]!);
        }
      }
    }
  }
  expect([...seen].sort()).toEqual(['stream', 'tasks/result', 'tasks/result, handed back']);
}, 60_000);
