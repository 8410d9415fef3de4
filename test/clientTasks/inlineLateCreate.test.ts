/**
 * An inline call (a plain `tools/call` of an `optional` tool) whose work asked `elicitAsTask` and
 * ended while the client's CreateTaskResult was on its way: its caller cancelled it, or it returned
 * without awaiting the ask. The client made a task nobody will follow, so it must get `tasks/cancel`
 * for it once that answer arrives (the spec has a task-augmented request cancelled with
 * `tasks/cancel`, never `notifications/cancelled`), as a server task's follow does through
 * SessionRouter.withdrawn. A real SDK v1 client in front of an SDK v1 and an SDK v2 McpServer, over
 * the SDK's in-memory link and over Streamable HTTP (where the client's GET stream carries the
 * cancel, the call being over); the client's link holds its CreateTaskResult until the server has
 * ended the call's follow, then lets it go.
 *
 * Before: the follow's end aborted the request (SDK v1 then sent `notifications/cancelled` for it and
 * dropped its late answer as "a response for an unknown message ID"): no `tasks/cancel` ever went
 * out, and the client's task ran on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { deferred } from '../support/harness.js';
import { inlineFollowServer } from '../support/inlineFollowServer.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { drain, until } from '../support/until.js';
import { serveLineSessions } from '../support/lineSessions.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Whether `message` is an answer carrying a CreateTaskResult. */
function isCreateTaskResult(message: JSONRPCMessage): boolean {
  const result = (message as { result?: { task?: unknown } }).result;
  return result !== undefined && typeof result.task === 'object' && result.task !== null;
}

/** Whether a POSTed body is an answer carrying a CreateTaskResult. */
function postsCreateTaskResult(init: RequestInit | undefined): boolean {
  if (init?.method !== 'POST' || typeof init.body !== 'string') return false;
  const body = JSON.parse(init.body) as JSONRPCMessage | JSONRPCMessage[];
  return (Array.isArray(body) ? body : [body]).some(isCreateTaskResult);
}

/**
 * A server with two `optional` tools: `drop` starts an `elicitAsTask` and returns once `proceed`
 * resolves without awaiting it; `ask` awaits it. The client answers with its task `client-task-1`
 * (`working` until cancelled); its link (the in-memory one, or its HTTP POSTs) holds that answer
 * until `release`.
 */
async function setup(line: 'v1' | 'v2', link: 'memory' | 'http') {
  const { tasks, create, proceed, actors, warnings, followEnded } = inlineFollowServer(line);
  const { client, received } = workingClient('inline-late-create');
  // The client's CreateTaskResult waits on its link until `release`.
  const held = deferred();
  let holding = false;
  const hold = async (): Promise<void> => {
    holding = true;
    await held.promise;
  };
  cleanups.push(() => tasks.close());
  if (link === 'http') {
    const http = await serveLineSessions(line, tasks, create);
    cleanups.push(() => http.close());
    const heldFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      if (postsCreateTaskResult(init)) await hold();
      return fetch(url, init);
    };
    await client.connect(new StreamableHTTPClientTransport(http.url, { fetch: heldFetch }));
  } else {
    const server = create();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const send = clientTransport.send.bind(clientTransport);
    clientTransport.send = async (message, options) => {
      if (isCreateTaskResult(message)) await hold();
      return send(message, options);
    };
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    cleanups.push(() => server.close());
  }
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  return { client, actors, warnings, count, proceed, release: () => held.resolve(), isHolding: () => holding, followEnded };
}

for (const line of ['v1', 'v2'] as const) {
  for (const link of ['memory', 'http'] as const) {
    describe(`an inline call ends while its client's CreateTaskResult is on its way (SDK ${line} server, ${link} link)`, () => {
      it('its caller cancelled it: the late CreateTaskResult gets tasks/cancel, once', async () => {
        const s = await setup(line, link);
        const abort = new AbortController();
        const call = s.client
          .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema, { signal: abort.signal })
          .catch(() => 'cancelled');
        await until(s.isHolding, 'the client to answer the elicitation');
        abort.abort('the user gave up');
        expect(await call).toBe('cancelled');
        await until(s.followEnded, 'the call to end its follow');
        s.release();
        await until(() => s.count('tasks/cancel client-task-1') === 1, 'the client task to be cancelled');
        await drain();
        expect(s.count('tasks/cancel')).toBe(1);
        // The follow had ended: it never followed the late task.
        expect(s.count('tasks/get')).toBe(0);
        expect(s.warnings).toEqual([]);
      });

      it('it returned without awaiting the ask: the late CreateTaskResult gets tasks/cancel, once', async () => {
        const s = await setup(line, link);
        const call = s.client.request({ method: 'tools/call', params: { name: 'drop', arguments: {} } }, CallToolResultSchema);
        await until(s.isHolding, 'the client to answer the elicitation');
        s.proceed.resolve();
        expect((await call).content).toEqual([{ type: 'text', text: 'returned' }]);
        await until(s.followEnded, 'the call to end its follow');
        s.release();
        await until(() => s.count('tasks/cancel client-task-1') === 1, 'the client task to be cancelled');
        await drain();
        expect(s.count('tasks/cancel')).toBe(1);
        expect(s.count('tasks/get')).toBe(0);
        expect(s.warnings).toEqual([]);
      });
    });
  }
}
