/**
 * An inline call (a plain `tools/call` of an `optional` tool) over Streamable HTTP follows a client
 * task (`elicitAsTask`) and its caller cancels it while the client's standalone GET stream is down.
 * The call's stream is gone, so `tasks/cancel` goes on the session's, which only the GET stream can
 * carry: it waits for the stream, as a task's follow's does (engine/cancelClientTask.ts), and
 * reaches the client once the GET is back. Before, it was refused at once for want of a stream and
 * warned of, and the client's task ran on to its ttl.
 *
 * The real SDK v1 client over real HTTP, in front of an SDK v1 and an SDK v2 server; its fetch lets
 * the test drop the GET stream and hold the client's reconnect until the test lets it through.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { inlineFollowServer } from '../support/inlineFollowServer.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { drain, until } from '../support/until.js';
import { connectGated, gatedGet, graceTimers, serveGapSessions, streamGapCleanups } from '../support/streamGapClient.js';

const cleanups = streamGapCleanups();

for (const line of ['v1', 'v2'] as const) {
  describe(`an inline call following its client's task is cancelled while the GET stream is down (SDK ${line} server)`, () => {
    it("its tasks/cancel waits for the session's stream and reaches the client once it opens again", async () => {
      const timers = graceTimers();
      const { tasks, create, warnings, followEnded } = inlineFollowServer(line);
      cleanups.push(() => tasks.close());
      const { url, router } = await serveGapSessions(line, tasks, cleanups, create);
      const { client, received } = workingClient('inline-cancel-stream-gap');
      const get = gatedGet();
      cleanups.push(() => client.close());
      await connectGated(client, url, get, router);
      const count = (prefix: string): number => received.filter((r) => r.startsWith(prefix)).length;
      const listening = (): number => router().reach?.listeners.size ?? 0;

      const abort = new AbortController();
      const call = client
        .request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema, { signal: abort.signal })
        .catch(() => 'cancelled');
      await until(() => count('tasks/get client-task-1') >= 1, 'the follow to poll the client task');
      get.drop();
      await until(() => router().connection?.standalone?.open === false, 'the server to see the GET stream gone');
      abort.abort('the user gave up');
      expect(await call).toBe('cancelled');
      await until(followEnded, 'the follow to end');
      await until(() => listening() === 1 || warnings.length > 0, 'tasks/cancel to wait for the stream');
      expect(warnings).toEqual([]);
      expect(timers.all()).toHaveLength(1);
      expect(count('tasks/cancel')).toBe(0);

      get.release();
      await until(() => count('tasks/cancel client-task-1') === 1, "the client's task to be cancelled");
      await until(() => listening() === 0, 'the wait to end');
      expect(timers.cleared(0)).toBe(true);
      await drain();
      expect(warnings).toEqual([]);
    });
  });
}
