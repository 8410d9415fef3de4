import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CreateMessageRequest, CreateMessageResult, ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';

/** Tools that ask the client: `ask` elicits `times` times, `sample` requests one completion, `logger` logs then asks. */
export function registerAskingTools(tasks: TaskSupport, server: McpServer, outcomes: Map<string, unknown> = new Map()): void {
  tasks.registerTool(
    server,
    'ask',
    {
      taskSupport: 'required',
      inputSchema: { key: z.string(), times: z.number().int().min(1).default(1), url: z.boolean().default(false) },
    },
    async ({ key, times, url }, task) => {
      const answers: string[] = [];
      try {
        for (let i = 0; i < times; i++) {
          const answer = url
            ? await task.elicit({ mode: 'url', message: `open ${key}`, url: `https://example.com/${key}`, elicitationId: `${key}-${i}` })
            : await task.elicit({
                message: `${key} question ${i}`,
                requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
              });
          answers.push(answer.action === 'accept' ? String(answer.content?.['value'] ?? 'accepted') : answer.action);
        }
      } catch (error) {
        outcomes.set(key, error);
        throw error;
      }
      outcomes.set(key, answers);
      return { content: [{ type: 'text', text: answers.join(',') }] };
    },
  );
  tasks.registerTool(
    server,
    'sample',
    { taskSupport: 'required', inputSchema: { text: z.string(), withTools: z.boolean().default(false) } },
    async ({ text, withTools }, task) => {
      const reply = await task.createMessage({
        messages: [{ role: 'user', content: { type: 'text', text } }],
        maxTokens: 50,
        ...(withTools
          ? { tools: [{ name: 'lookup', inputSchema: { type: 'object' as const } }], toolChoice: { mode: 'auto' as const } }
          : {}),
      });
      const blocks = Array.isArray(reply.content) ? reply.content : [reply.content];
      return { content: [{ type: 'text', text: blocks.map((b) => (b.type === 'text' ? b.text : b.type)).join('') }] };
    },
  );
  tasks.registerTool(server, 'logger', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    await task.log('info', { step: `${key} logged` });
    const answer = await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
    return { content: [{ type: 'text', text: answer.action }] };
  });
}

/** Installs client handlers for elicitation and sampling that defer to the given functions. */
export function answerWith(
  client: Client,
  handlers: {
    elicit?: (request: ElicitRequest) => Promise<ElicitResult> | ElicitResult;
    sample?: (request: CreateMessageRequest) => Promise<CreateMessageResult> | CreateMessageResult;
  },
): void {
  if (handlers.elicit) client.setRequestHandler(ElicitRequestSchema, (request) => handlers.elicit!(request));
  if (handlers.sample) client.setRequestHandler(CreateMessageRequestSchema, (request) => handlers.sample!(request));
}

/**
 * Answers the client's elicitations with `{ value: 'given' }`, counting them: `answered` resolves
 * at the first, `asked()` says how many came.
 */
export function answerGiven(client: Client): { answered: Promise<void>; asked(): number } {
  let asked = 0;
  let first!: () => void;
  const answered = new Promise<void>((resolve) => (first = resolve));
  answerWith(client, {
    elicit: () => {
      asked++;
      first();
      return { action: 'accept', content: { value: 'given' } };
    },
  });
  return { answered, asked: () => asked };
}
