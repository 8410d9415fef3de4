/**
 * A GET the transport refuses (409: a second stream while one is open; 406: no text/event-stream in
 * Accept) opens no standalone stream, and its end ends none. Counted as a stream that opened and
 * ended, it made the session believe its real, still open GET stream gone: a polled task's input
 * request was no longer pushed on it (a client that only polls tasks/get never saw it), and one
 * pushed before counted as lost and was asked again by the next tasks/result. SDK v1, through the
 * real McpHttpHost; test/sdk/v2/refusedStandaloneGet.test.ts runs the same cases on SDK v2.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import type { TaskSupport } from '../../src/index.js';
import { testTaskSupport } from '../support/harness.js';
import { openAskSession } from '../support/rawAskSession.js';
import type { RawAskSession } from '../support/rawAskSession.js';
import { refusedGetCases } from '../support/refusedGetCases.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A session of the real McpHttpHost with one tool whose task asks the client, and its open GET stream. */
async function session(): Promise<RawAskSession> {
  const tasks: TaskSupport = testTaskSupport();
  const host = new McpHttpHost({
    createServer: () => {
      const server = new McpServer({ name: 'refused-get', version: '1' });
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
        return { content: [{ type: 'text', text: `answered ${answer.action}` }] };
      });
      return server;
    },
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(
    () => tasks.close(),
    () => host.close(),
  );
  return openAskSession(url, (close) => cleanups.push(close));
}

refusedGetCases(session);
