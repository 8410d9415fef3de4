/**
 * SDK v1's own `StreamableHTTPServerTransport` in JSON-response mode (one session, behind a plain
 * node:http server): a task's elicitation reaches the client on the GET stream while a
 * `tasks/result` waits (test/http/jsonResponseInputCases.ts). Before, the transport dropped it.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { testTaskSupport } from '../../support/harness.js';
import { QUESTIONS, jsonResponseInputCases } from '../../http/jsonResponseInputCases.js';
import type { ServedSession } from '../../http/jsonResponseInputCases.js';

async function jsonResponses(): Promise<ServedSession> {
  const tasks = testTaskSupport();
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
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true });
  await server.connect(transport);
  const http = createServer((req, res) => void transport.handleRequest(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => {
      await server.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await tasks.close();
    },
  };
}

jsonResponseInputCases('SDK v1, JSON-response mode: input requests of a task', jsonResponses);
