/**
 * SDK v2's sessionful `WebStandardStreamableHTTPServerTransport` (the 2025-11-25 era): a POST whose
 * response stream the client closed before its request was answered cancels that request's handler
 * (test/http/abandonedPostCases.ts). v2 forgets such a stream as v1 does and, like v1, aborted
 * nothing: a `tasks/result` left so kept waiting and swallowed the task's next input request.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TaskSupport } from '../../../src/index.js';
import { abandonedPostCases } from '../../http/abandonedPostCases.js';
import type { AbandonedPostTools, ServedTools } from '../../http/abandonedPostCases.js';
import { sessionfulV2Server } from './harness.js';

function registerTools(tasks: TaskSupport, server: McpServer, tools: AbandonedPostTools): void {
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  const label = { inputSchema: z.object({ label: z.string() }) };
  server.registerTool('wait', label, async ({ label: named }, ctx) => {
    const outcome = await tools.wait(named, ctx.mcpReq.signal);
    // Sent without a catch, as a tool may: once its client left, it must be dropped, not rejected.
    void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: named, progress: 1 } });
    return text(outcome);
  });
  tasks.registerTool(server, 'waitTask', { taskSupport: 'optional', inputSchema: { label: z.string() } }, async ({ label: named }, task) =>
    text(await tools.wait(named, task.signal)),
  );
  tasks.registerTool(server, 'askTwice', { taskSupport: 'required' }, async (_args, task) => {
    const answers: string[] = [];
    for (const question of tools.questions) {
      const schema = { type: 'object' as const, properties: { value: { type: 'string' as const } } };
      const answer = await task.elicit({ message: question, requestedSchema: schema });
      answers.push(String(answer.content?.['value'] ?? answer.action));
    }
    return text(answers.join(','));
  });
}

async function sessionful(tools: AbandonedPostTools): Promise<ServedTools> {
  const tasks = TaskSupport.inMemory();
  const served = await sessionfulV2Server(tasks, (server) => registerTools(tasks, server, tools));
  return {
    url: served.url.href,
    close: async () => {
      await served.close();
      await tasks.close();
    },
  };
}

abandonedPostCases('SDK v2, sessionful: a POST whose client left', sessionful);
