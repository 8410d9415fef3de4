import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  CreateMessageRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import { TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';

/** A client connected to a fresh McpServer over the SDK's in-memory transport. */
export interface Session {
  client: Client;
  server: McpServer;
  notifications: { method: string; params: unknown }[];
  close(): Promise<void>;
}

export const defaultClientCapabilities: NonNullable<ClientOptions['capabilities']> = {
  elicitation: { form: {}, url: {} },
  sampling: { tools: {} },
};

/**
 * The SDK line the servers of a suite are built on: `MTA_SDK=v2` (the `memory-sdk-v2` project) builds
 * SDK v2 `McpServer`s behind the same SDK v1 client and in-memory link, so one suite runs on both lines.
 */
export const serverSdkLine: 'v1' | 'v2' = process.env['MTA_SDK'] === 'v2' ? 'v2' : 'v1';

/**
 * `MTA_PLACEMENT=workers` (the `redis-workers` project): each TaskSupport is a front whose work runs
 * on a worker (test/redis/workersPerTest.ts). The few tests whose answer differs with the split
 * assert the split's answer under this flag.
 */
export const workerSplit = process.env['MTA_PLACEMENT'] === 'workers';

/**
 * A server of the suite's SDK line; a v2 McpServer is typed as v1's (the tests use what both share:
 * registerTool, connect, close, `server.onerror`).
 */
export function newServer(info = { name: 'test-server', version: '1.0.0' }): McpServer {
  return serverSdkLine === 'v2' ? (new McpServerV2(info) as unknown as McpServer) : new McpServer(info);
}

/** Connects a new client session to a new McpServer configured by `setup` (tools, then enable). */
export async function connectInMemory(
  tasks: TaskSupport,
  setup: (server: McpServer) => void,
  capabilities: ClientOptions['capabilities'] = defaultClientCapabilities,
): Promise<Session> {
  const server = newServer();
  setup(server);
  tasks.enable(server);
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities });
  const notifications: Session['notifications'] = [];
  client.fallbackNotificationHandler = async (n) => {
    notifications.push({ method: n.method, params: n.params });
  };
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    server,
    notifications,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Creates a task through a task-augmented tools/call. */
export async function createTask(client: Client, name: string, args: Record<string, unknown>, ttl?: number): Promise<Task> {
  const result = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: ttl === undefined ? {} : { ttl } } },
    CreateTaskResultSchema,
  );
  return result.task;
}

/** tasks/result as the raw request, typed as a tool result. */
export function taskResult(client: Client, taskId: string, options?: { signal?: AbortSignal }): Promise<CallToolResult> {
  return client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, options);
}

/** What a backend factory gives: the parts of TaskSupportOptions a store engine provides. */
export type TestBackend = Pick<TaskSupportOptions, 'store' | 'queue' | 'cluster'>;
let backendFactory: ((instanceId: string) => Promise<Required<TestBackend>>) | undefined;

/** Makes every later `testTaskSupport()` use this backend (the Redis project sets it per test). */
export function setBackendFactory(factory: ((instanceId: string) => Promise<Required<TestBackend>>) | undefined): void {
  backendFactory = factory;
}

/** A TaskSupport with fast polling for tests, on the in-memory store or the configured backend. */
export function testTaskSupport(options: TaskSupportOptions = {}): TaskSupport {
  const backend = backendFactory ? lazyBackend(backendFactory) : {};
  // minPollInterval lowered too, or the default floor (100 ms) would raise the 10 ms asked for here;
  // minTtl too, for the short ttls of the expiry tests. Rate limits are off unless a test sets them:
  // the suite fires hundreds of calls at once from one caller (test/protocol/limits.rate.test.ts tests them).
  const merged: TaskSupportOptions = {
    pollInterval: 10,
    minTtl: 0,
    logger: { warn: () => {}, error: () => {} },
    ...backend,
    ...options,
    limits: { minPollInterval: 10, taskCreationRate: Infinity, taskOperationRate: Infinity, ...options.limits },
  };
  return taskSupportFactory ? taskSupportFactory(merged, options) : new TaskSupport(merged);
}

let taskSupportFactory: ((merged: TaskSupportOptions, asked: TaskSupportOptions) => TaskSupport) | undefined;

/**
 * Makes every later `testTaskSupport()` build its TaskSupport this way (the redis-workers project
 * turns each into a front whose work runs on a worker): `merged` holds the test defaults and the
 * backend, `asked` what the test itself passed.
 */
export function setTaskSupportFactory(factory: typeof taskSupportFactory): void {
  taskSupportFactory = factory;
}

/** Synchronous stand-ins for an async-created backend: every call waits for the real one. */
export function lazyBackend(
  factory: (instanceId: string) => Promise<Required<TestBackend>>,
  instanceId = `test-${Math.random().toString(16).slice(2)}`,
): Required<TestBackend> {
  const ready = factory(instanceId);
  const forward = <T extends object>(pick: (b: Required<TestBackend>) => T, sync: Record<string, unknown> = {}): T =>
    new Proxy({} as T, {
      get: (_, prop) =>
        prop in sync
          ? sync[prop as string]
          : (...args: unknown[]) =>
              ready.then((b) => {
                const target = pick(b) as Record<string | symbol, (...a: unknown[]) => unknown>;
                return target[prop]!.apply(target, args);
              }),
    });
  return {
    store: forward((b) => b.store),
    queue: forward((b) => b.queue),
    cluster: forward((b) => b.cluster, { instanceId }),
  };
}

/** A promise with its resolve exposed, to script work functions from tests. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The demo's abortable sleep, shared so tests and demo tools wait the same way. */
export { sleep } from '../../src/demo/sleep.js';

/** Polls `check` until it returns true (for assertions on eventually-consistent state in tests only). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { ElicitRequestSchema, CreateMessageRequestSchema, CallToolResultSchema };
