/**
 * SDK v2's `WebStandardStreamableHTTPServerTransport` in JSON-response mode (one session, the
 * 2025-11-25 era): a task's elicitation reaches the client on the GET stream while a `tasks/result`
 * waits (test/http/jsonResponseInputCases.ts). Before, v2 dropped it as v1 does.
 */
import { randomUUID } from 'node:crypto';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { TaskSupport } from '../../../src/index.js';
import { QUESTIONS, jsonResponseInputCases } from '../../http/jsonResponseInputCases.js';
import type { ServedSession } from '../../http/jsonResponseInputCases.js';
import { serveFetch } from './harness.js';

async function jsonResponses(): Promise<ServedSession> {
  const tasks = TaskSupport.inMemory();
  const server = new McpServer({ name: 'json-responses', version: '1' });
  tasks.registerTool(server, 'askTwice', { taskSupport: 'required' }, async (_args, task) => {
    const answers: string[] = [];
    for (const question of QUESTIONS) {
      if (answers.length > 0) await task.log('info', 'between');
      const schema = { type: 'object' as const, properties: { value: { type: 'string' as const } } };
      const answer = await task.elicit({ message: question, requestedSchema: schema });
      answers.push(String(answer.content?.['value'] ?? answer.action));
    }
    return { content: [{ type: 'text' as const, text: answers.join(',') }] };
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true });
  await server.connect(transport);
  const served = await serveFetch((request) => transport.handleRequest(request));
  return {
    url: served.url.href,
    close: async () => {
      await server.close();
      await served.close();
      await tasks.close();
    },
  };
}

jsonResponseInputCases('SDK v2, JSON-response mode: input requests of a task', jsonResponses);
