/**
 * An inline call (a plain `tools/call` of an `optional` tool) over Streamable HTTP whose work
 * follows a client task (`elicitAsTask`) and ends first, for a client that opened no standalone GET
 * stream (it may not: the GET is optional, and this one is refused locally with 405, which the SDK
 * client takes as "the server offers none"). The real SDK v1 client in front of an SDK v1 and an SDK
 * v2 McpServer.
 *
 * - The work returned without awaiting its ask: `tasks/cancel` goes on the call's own stream, while
 *   it is still open (before the call's answer), and reaches the client.
 * - The call was cancelled: the SDK refuses its stream and the session has no stream to carry a
 *   request; the cancel waits for one within the grace (a client's GET may be reconnecting,
 *   inlineCancelStreamGap.test.ts) and, none opening, is given up with one warning saying why.
 *
 * Before: once the work settled, `tasks/cancel` went to the session's standalone stream, which the
 * SDK's transport drops silently when none is open: the client never got it, the request waited out
 * the SDK's 60 s and was then logged as a timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { streamGrace } from '../../src/engine/streamGap.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { inlineFollowServer } from '../support/inlineFollowServer.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { drain, until } from '../support/until.js';
import { serveLineSessions } from '../support/lineSessions.js';

const cleanups: (() => Promise<void>)[] = [];
const graceAtStart = streamGrace.ms;
afterEach(async () => {
  streamGrace.ms = graceAtStart;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Line = 'v1' | 'v2';

/** fetch that never opens the standalone stream: a GET is answered 405 without reaching the server. */
const noGet = (url: string | URL, init?: RequestInit): Promise<Response> =>
  init?.method === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : fetch(url, init);

/**
 * A server with two `optional` tools: `drop` starts an `elicitAsTask`, waits for `proceed`, and
 * returns without awaiting the ask; `ask` awaits it. The client answers with its task
 * `client-task-1`, `working` until cancelled, and opens no GET stream.
 */
async function setup(line: Line) {
  const { tasks, create, proceed, warnings, followEnded } = inlineFollowServer(line);
  const { client, received } = workingClient('inline-cancel-no-get');
  cleanups.push(() => tasks.close());
  const http = await serveLineSessions(line, tasks, create);
  cleanups.push(() => http.close());
  await client.connect(new StreamableHTTPClientTransport(http.url, { fetch: noGet }));
  cleanups.push(() => client.close());
  const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
  return { client, warnings, count, proceed, followEnded };
}

for (const line of ['v1', 'v2'] as const) {
  describe(`an inline call following its client's task ends first, no GET stream open (SDK ${line} server, Streamable HTTP)`, () => {
    it("it returned without awaiting the ask: tasks/cancel goes on the call's stream before its answer and reaches the client", async () => {
      const s = await setup(line);
      const call = s.client.request({ method: 'tools/call', params: { name: 'drop', arguments: {} } }, CallToolResultSchema);
      await until(() => s.count('tasks/get client-task-1') >= 1, 'the follow to poll the client task');
      s.proceed.resolve();
      expect((await call).content).toEqual([{ type: 'text', text: 'returned' }]);
      // Well within the SDK's 60 s: the cancel is not left waiting on a stream nobody reads.
      await until(() => s.count('tasks/cancel client-task-1') === 1, 'the client task to be cancelled', 2000);
      await until(s.followEnded, 'the follow to end');
      await drain();
      expect(s.count('tasks/cancel')).toBe(1);
      expect(s.warnings).toEqual([]);
    });

    it('its caller cancelled it: no stream opens to carry tasks/cancel within the grace, and it is given up with the reason', async () => {
      streamGrace.ms = 200;
      const s = await setup(line);
      const abort = new AbortController();
      const call = s.client
        .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema, { signal: abort.signal })
        .catch(() => 'cancelled');
      await until(() => s.count('tasks/get client-task-1') >= 1, 'the follow to poll the client task');
      abort.abort('the user gave up');
      expect(await call).toBe('cancelled');
      await until(s.followEnded, 'the follow to end');
      await until(() => s.warnings.length > 0, 'the cancel to be given up', 2000);
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toContain("tasks/cancel of the client's task client-task-1");
      expect(s.warnings[0]).toContain("tasks/cancel not sent: the session's standalone stream (GET) did not open again within 0.2 s");
      expect(s.count('tasks/cancel')).toBe(0);
    });
  });
}
