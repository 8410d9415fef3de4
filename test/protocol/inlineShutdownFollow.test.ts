/**
 * TaskSupport.close with an `optional` tool's call running inline, whose work reacts to the abort
 * of its signal (the shutdown's) by following a client task (`elicitAsTask`): the follow, its
 * "call is over" check and the work's signal must all see the shutdown at once. Before, only the
 * work's signal did: a follow started in that abort still read the call's own signal, not
 * aborted, so the client was sent a task-augmented elicitation/create after close had begun (and
 * the call's end then had to cancel the client task it made). The SDK v1 client over real
 * Streamable HTTP to a server of the suite's SDK line; the client answers an elicitation with a
 * task that stays `working`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { deferred, newServer, serverSdkLine, testTaskSupport } from '../support/harness.js';
import { serveSessions } from '../support/httpServers.js';
import { workingClient } from '../support/scriptedReceiver.js';
import { collectFollows } from '../support/followActors.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe(`TaskSupport.close with an inline call whose work starts a client-task follow as its signal aborts (SDK ${serverSdkLine} server)`, () => {
  it('ends that follow at once with the shutdown error: the client is sent no elicitation, no follow is made', async () => {
    const actors: AnyActorRef[] = [];
    const tasks = testTaskSupport({
      inspect: collectFollows(actors),
    });
    cleanups.push(() => tasks.close());
    const started = deferred();
    const followed = deferred<unknown>();
    const http = await serveSessions(tasks, (t) => {
      const server = newServer();
      t.registerTool(server, 'asksOnStop', { taskSupport: 'optional' }, (_args, task) => {
        task.signal.addEventListener(
          'abort',
          () => task.elicitAsTask({ message: 'save?', requestedSchema }).then(followed.resolve, followed.resolve),
          { once: true },
        );
        started.resolve();
        return new Promise(() => {});
      });
      return server;
    });
    cleanups.push(() => http.close());
    const { client, received } = workingClient('inline-shutdown-follow');
    await client.connect(new StreamableHTTPClientTransport(http.url));
    cleanups.push(() => client.close());

    const call = client.callTool({ name: 'asksOnStop', arguments: {} }).catch((error: unknown) => error);
    await started.promise;
    await tasks.close();
    const answer = await call;
    const outcome = await followed.promise;

    expect(answer).toBeInstanceOf(McpError);
    expect(answer).toMatchObject({ code: -32603, message: expect.stringMatching(/Server is shutting down/) as string });
    // The follow's own end is the call's: the shutdown error, as the work's signal's reason.
    expect(outcome).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/Server is shutting down: the call of tool asksOnStop/) as string,
    });
    expect(received).toEqual([]);
    expect(actors).toEqual([]);
  });
});
