import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AnyServer, TaskSupport } from '../TaskSupport.js';
import { sleep } from './sleep.js';

/** Options of the demo tools (tests shorten the countdown's second). */
export interface DemoToolOptions {
  /** Length of one countdown "second" in ms. Default 1000. */
  secondMs?: number;
}

/** Builds the demo's per-session McpServer: countdown, echo, approve, summarize. */
export function createDemoMcpServer(tasks: TaskSupport, options: DemoToolOptions = {}): McpServer {
  const server = new McpServer({ name: 'mcp-task-actors-demo', version: '0.1.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text (no task support)', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  registerDemoTaskTools(tasks, server, options);
  tasks.enable(server);
  return server;
}

/** The demo's three task tools, the same on either SDK line's McpServer. */
export function registerDemoTaskTools(tasks: TaskSupport, server: AnyServer, options: DemoToolOptions = {}): void {
  const secondMs = options.secondMs ?? 1000;
  tasks.registerTool(
    server,
    'countdown',
    {
      description: 'Counts down, one status message per second; with failAt, throws at that second',
      inputSchema: {
        seconds: z.number().int().min(0).max(3600),
        failAt: z.number().int().min(0).max(3600).optional(),
      },
      taskSupport: 'optional',
      // Counting down again from the start is harmless: with Redis, a survivor reruns it.
      restartable: true,
    },
    async ({ seconds, failAt }, task) => {
      for (let elapsed = 0; elapsed < seconds; elapsed++) {
        if (failAt === elapsed) throw new Error(`countdown failed at second ${failAt}`);
        await task.status(`${seconds - elapsed} s left`);
        await sleep(secondMs, task.signal);
      }
      if (failAt === seconds) throw new Error(`countdown failed at second ${failAt}`);
      return { content: [{ type: 'text', text: `countdown finished after ${seconds} s` }] };
    },
  );

  tasks.registerTool(
    server,
    'approve',
    {
      description: 'Asks the user to approve an action (elicitation) and reports the decision',
      inputSchema: { action: z.string().min(1) },
      taskSupport: 'required',
    },
    // A client that runs elicitations as tasks of its own (tasks.requests.elicitation.create) gets
    // a task-augmented request, followed to its end; any other client a plain elicitation.
    async ({ action }, task) => {
      const answer = await task.elicitAsTask({
        message: `Approve: ${action}?`,
        requestedSchema: {
          type: 'object',
          properties: { approved: { type: 'boolean', title: 'Approved' } },
          required: ['approved'],
        },
      });
      const approved = answer.action === 'accept' && answer.content?.['approved'] === true;
      return { content: [{ type: 'text', text: `${approved ? 'approved' : 'rejected'}: ${action}` }] };
    },
  );

  tasks.registerTool(
    server,
    'summarize',
    {
      description: 'Asks the client for an LLM summary of the text (sampling)',
      inputSchema: { text: z.string().min(1) },
      taskSupport: 'required',
    },
    async ({ text }, task) => {
      // As a client-side task when the client declares tasks.requests.sampling.createMessage, else plain.
      const reply = await task.createMessageAsTask({
        messages: [{ role: 'user', content: { type: 'text', text: `Summarize:\n\n${text}` } }],
        maxTokens: 200,
      });
      const content = Array.isArray(reply.content) ? reply.content : [reply.content];
      const summary = content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      return { content: [{ type: 'text', text: summary }] };
    },
  );
}
