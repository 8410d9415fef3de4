/**
 * SDK v2 (sessionful `WebStandardStreamableHTTPServerTransport`), the v2 side of
 * test/http/refusedStandaloneGet.test.ts: a GET the transport refuses (409: a second stream while one
 * is open; 406: no text/event-stream in Accept) opens no standalone stream, and its end ends none.
 * sdk/v2/standaloneStream.ts follows only a GET answered 200 with an event stream; counted
 * otherwise (as SDK v1's wrapper did), the session believes its real, still open GET stream gone: a
 * polled task's input request is no longer pushed on it, and one pushed before counts as lost and is
 * asked again by the next tasks/result.
 */
import { afterEach } from 'vitest';
import { TaskSupport } from '../../../src/index.js';
import { openAskSession } from '../../support/rawAskSession.js';
import type { RawAskSession } from '../../support/rawAskSession.js';
import { refusedGetCases } from '../../support/refusedGetCases.js';
import { sessionfulV2Server } from './harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A session of a sessionful v2 server with one tool whose task asks the client, and its open GET stream. */
async function session(): Promise<RawAskSession> {
  const tasks = TaskSupport.inMemory();
  cleanups.push(() => tasks.close());
  const server = await sessionfulV2Server(tasks, (mcp) => {
    tasks.registerTool(mcp, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: `answered ${answer.action}` }] };
    });
  });
  cleanups.push(() => server.close());
  return openAskSession(server.url.href, (close) => cleanups.push(close));
}

refusedGetCases(session);
