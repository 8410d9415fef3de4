import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { TaskSupport } from '../../../src/index.js';
import type { AbandonedPostTools } from '../../http/abandonedPostCases.js';

/** The tools of test/http/abandonedPostCases.ts on an SDK v1 McpServer. */
export function abandonedPostServer(tasks: TaskSupport, tools: AbandonedPostTools): McpServer {
  const server = new McpServer({ name: 'abandoned-post', version: '1' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  const label = { inputSchema: { label: z.string() } };
  server.registerTool('wait', label, async ({ label: named }, extra) => {
    const outcome = await tools.wait(named, extra.signal);
    // Sent without a catch, as a tool may: once its client left, it must be dropped, not rejected.
    void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: named, progress: 1 } });
    return text(outcome);
  });
  tasks.registerTool(server, 'waitTask', { taskSupport: 'optional', ...label }, async ({ label: named }, task) =>
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
  return server;
}
