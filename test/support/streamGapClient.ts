/**
 * A client's GET stream (the standalone stream of Streamable HTTP) that a test drops and lets
 * reconnect at will, the stream-gap grace's timers it counts, and the skeleton those tests share
 * (cleanups, a server per SDK line, its session's router): the stream-gap tests
 * (test/clientTasks/followStreamGap.test.ts, withdrawnStreamGap.test.ts, inlineCancelStreamGap.test.ts).
 */
import { afterEach, expect, onTestFinished, vi } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { TaskSupport } from '../../src/index.js';
import { streamGrace } from '../../src/engine/streamGap.js';
import { deferred } from './harness.js';
import { until } from './until.js';
import { serveLineSessions } from './lineSessions.js';

/** The schema of the tests' asks (`elicitAsTask`). */
export const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

/**
 * The file's cleanups, run last first after each test (after the grace is put back as the file found
 * it and the mocks restored): the memory project runs files with `isolate: false`, so nothing may outlive its test.
 */
export function streamGapCleanups(): (() => Promise<void>)[] {
  const cleanups: (() => Promise<void>)[] = [];
  const graceAtStart = streamGrace.ms;
  afterEach(async () => {
    streamGrace.ms = graceAtStart;
    vi.restoreAllMocks();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

/**
 * The client's fetch: POSTs as usual; each GET (the standalone stream) can be dropped (`drop`), and
 * the client's reconnect is then held until `release`.
 */
export function gatedGet() {
  let stream: AbortController | undefined;
  let gate: ReturnType<typeof deferred<void>> | undefined;
  let open = false;
  const get = async (url: string | URL, init: RequestInit): Promise<Response> => {
    if (gate) await gate.promise;
    const drop = new AbortController();
    stream = drop;
    const response = await fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, drop.signal]) : drop.signal });
    open = response.ok;
    return response;
  };
  return {
    fetch: (url: string | URL, init?: RequestInit): Promise<Response> => (init?.method === 'GET' ? get(url, init) : fetch(url, init)),
    /** Whether the client has its GET stream (its response's headers arrived). */
    open: () => open,
    /** Ends the GET stream; the client's reconnect waits for `release`. */
    drop: () => {
      gate = deferred<void>();
      open = false;
      stream?.abort();
    },
    release: () => gate?.resolve(),
  };
}

/**
 * The timers of the grace: set to a value no test waits out, they are told from other timers by
 * their delay; `cleared(i)` says whether the i-th was cleared (Node's Timeout marks it destroyed).
 */
export function graceTimers(): { all(): unknown[]; cleared(index: number): boolean } {
  // Put back when the test ends: later files of the worker (isolate: false) share the module.
  const previous = streamGrace.ms;
  onTestFinished(() => {
    streamGrace.ms = previous;
  });
  const grace = (streamGrace.ms = 987_654);
  const timers: unknown[] = [];
  const setTimeoutOf = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((handler: () => void, ms?: number, ...rest: unknown[]) => {
    const timer: unknown = setTimeoutOf(handler, ms, ...rest);
    if (ms === grace) timers.push(timer);
    return timer;
  }) as typeof setTimeout);
  return { all: () => timers, cleared: (index) => (timers[index] as { _destroyed?: boolean } | undefined)?._destroyed === true };
}

/** The router of `server`'s session, as far as these tests look into it (private: a leak hides where the API does not look). */
export interface RouterView {
  connection?: { standalone?: { open: boolean } };
  /** Its StreamReach's listeners: the waits for the stream, and the requests out on it (a leak shows here). */
  reach?: { listeners: ReadonlySet<unknown> };
}

/** The router of the first server's session (private: a leak hides where the API does not look). */
export function routerOf(tasks: TaskSupport, servers: readonly object[]): () => RouterView {
  return () => (tasks as unknown as { sessions: { of(server: object): { router: RouterView } } }).sessions.of(servers[0]!).router;
}

/**
 * Connects `client` through `get` (reconnecting every 10 ms, at most 5 times) and waits until its
 * GET stream is open on both sides: a task's ask made before that goes out plainly (taskFollowNoGet.test.ts).
 */
export async function connectGated(
  client: Client,
  url: URL,
  get: ReturnType<typeof gatedGet>,
  router: () => RouterView,
): Promise<StreamableHTTPClientTransport> {
  const reconnect = { initialReconnectionDelay: 10, maxReconnectionDelay: 10, reconnectionDelayGrowFactor: 1, maxRetries: 5 };
  const transport = new StreamableHTTPClientTransport(url, { fetch: get.fetch, reconnectionOptions: reconnect });
  await client.connect(transport);
  await until(() => get.open() && router().connection?.standalone?.open !== false, 'the GET stream to open');
  return transport;
}

/**
 * Serves `tasks` on a sessionful Streamable HTTP endpoint of SDK `line` (closed by `cleanups`), one
 * server from `create` per session; `router` is the first session's.
 */
export async function serveGapSessions(
  line: 'v1' | 'v2',
  tasks: TaskSupport,
  cleanups: (() => Promise<void>)[],
  create: () => McpServer,
): Promise<{ url: URL; router: () => RouterView }> {
  const servers: McpServer[] = [];
  const http = await serveLineSessions(line, tasks, () => {
    const server = create();
    servers.push(server);
    return server;
  });
  cleanups.push(() => http.close());
  return { url: http.url, router: routerOf(tasks, servers) };
}

/** `serveGapSessions` with a new McpServer of `line` per session: `register` adds its tools, then `tasks.enable`. */
export function serveGapServers(
  line: 'v1' | 'v2',
  tasks: TaskSupport,
  cleanups: (() => Promise<void>)[],
  register: (server: McpServer) => void,
): Promise<{ url: URL; router: () => RouterView }> {
  return serveGapSessions(line, tasks, cleanups, () => {
    const server =
      line === 'v2' ? (new McpServerV2({ name: 's', version: '1' }) as unknown as McpServer) : new McpServer({ name: 's', version: '1' });
    register(server);
    tasks.enable(server);
    return server;
  });
}

/** The warning of a `tasks/cancel` to the client's task dropped because no GET stream opened within a grace of `seconds`. */
export function cancelGraceWarning(seconds: number): unknown[] {
  return [
    "mcp-task-actors: tasks/cancel of the client's task client-task-1 failed",
    expect.objectContaining({
      message: expect.stringMatching(
        new RegExp(
          `tasks/cancel not sent: the session's standalone stream \\(GET\\) did not open again within ${String(seconds).replace('.', '\\.')} s`,
        ),
      ),
    }),
  ];
}
