import { setMaxListeners } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { hostHttp } from './httpHost.js';
import type { BenchImpl } from './impls/types.js';
import { runOfAsk } from './impls/types.js';

export type TransportKind = 'memory' | 'http';

/** A real SDK Client connected to an implementation over a real transport. */
export interface BenchClient {
  client: Client;
  /** When each `ask` elicitation reached the client's handler, by run. */
  elicitedAt: Map<number, number>;
  /** Task-augmented tools/call; resolves with the taskId. */
  createTask(tool: string, run: number): Promise<string>;
  /** tasks/result. */
  result(taskId: string): Promise<CallToolResult>;
  /** Plain tools/call (the ceiling). */
  call(tool: string, run: number): Promise<CallToolResult>;
  close(): Promise<void>;
}

const TTL = 3_600_000;

/**
 * `fetch`, with no listener-count warning on the signal it is given. The SDK's client transport
 * hands one AbortSignal to every request, and undici removes a request's abort listener only once
 * that request is garbage-collected: at 64 in flight, thousands wait for a collection, and Node
 * warned (a stack trace and a line on stderr) for every one past 1,500. That was about 5,000
 * warnings in each HTTP configuration of `npm run bench`, for this library and the SDK's tasks
 * alike, their CPU counted against whichever side was running.
 */
const fetchWithoutListenerWarnings: typeof fetch = (input, init) => {
  if (init?.signal) setMaxListeners(0, init.signal);
  return fetch(input, init);
};

export async function connectClient(impl: BenchImpl, kind: TransportKind): Promise<BenchClient> {
  const client = new Client({ name: 'bench-client', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  const elicitedAt = new Map<number, number>();
  client.setRequestHandler(ElicitRequestSchema, async (request): Promise<ElicitResult> => {
    elicitedAt.set(runOfAsk(request.params.message), performance.now());
    return { action: 'accept', content: { approved: true } };
  });
  // Status notifications are received and dropped, like a client that does not watch them.
  client.fallbackNotificationHandler = async () => {};

  let closeHost = async (): Promise<void> => {};
  if (kind === 'memory') {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await impl.createSession().connect(serverTransport);
    await client.connect(clientTransport);
  } else {
    const host = await hostHttp(() => impl.createSession());
    closeHost = host.close;
    await client.connect(new StreamableHTTPClientTransport(host.url, { fetch: fetchWithoutListenerWarnings }));
  }

  const noTimeout = { timeout: 600_000 };
  return {
    client,
    elicitedAt,
    createTask: async (tool, run) => {
      const created = await client.request(
        { method: 'tools/call', params: { name: tool, arguments: { run }, task: { ttl: TTL } } },
        CreateTaskResultSchema,
        noTimeout,
      );
      return created.task.taskId;
    },
    result: (taskId) => client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, noTimeout),
    call: (tool, run) =>
      client.request({ method: 'tools/call', params: { name: tool, arguments: { run } } }, CallToolResultSchema, noTimeout),
    close: async () => {
      await client.close();
      await closeHost();
    },
  };
}
