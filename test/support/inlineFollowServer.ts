/**
 * The server of the inline-follow tests (test/clientTasks/inline*.test.ts): a TaskSupport with two
 * `optional` tools on an McpServer of the chosen SDK line. `drop` starts an `elicitAsTask`, waits
 * for `proceed`, and returns without awaiting the ask (the work neither awaits nor handles it);
 * `ask` awaits it. The client-task actors and the warnings are recorded.
 */
import type { AnyActorRef } from 'xstate';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { TaskSupport } from '../../src/index.js';
import { deferred, testTaskSupport } from './harness.js';
import { collectFollows } from './followActors.js';

const requestedSchema = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

export interface InlineFollowServer {
  tasks: TaskSupport;
  /** A new McpServer of the line with both tools (one per session). */
  create(): McpServer;
  /** Lets `drop`'s work return. */
  proceed: ReturnType<typeof deferred<void>>;
  /** The client-task actors made so far. */
  actors: AnyActorRef[];
  warnings: string[];
  /** Whether the one follow made has ended. */
  followEnded(): boolean;
}

export function inlineFollowServer(line: 'v1' | 'v2'): InlineFollowServer {
  const actors: AnyActorRef[] = [];
  const warnings: string[] = [];
  const tasks = testTaskSupport({
    pollInterval: 1000,
    logger: { warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')), error: () => {} },
    inspect: collectFollows(actors),
  });
  const proceed = deferred();
  const create = (): McpServer => {
    const server =
      line === 'v2' ? (new McpServerV2({ name: 's', version: '1' }) as unknown as McpServer) : new McpServer({ name: 's', version: '1' });
    tasks.registerTool(server, 'drop', { taskSupport: 'optional' }, async (_args, task) => {
      // Dropped: the work neither awaits nor handles it.
      void task.elicitAsTask({ message: 'ok?', requestedSchema });
      await proceed.promise;
      return { content: [{ type: 'text', text: 'returned' }] };
    });
    tasks.registerTool(server, 'ask', { taskSupport: 'optional' }, async (_args, task) => {
      const answer = await task.elicitAsTask({ message: 'ok?', requestedSchema });
      return { content: [{ type: 'text', text: answer.action }] };
    });
    tasks.enable(server);
    return server;
  };
  const followEnded = (): boolean => actors.length === 1 && actors.every((a) => a.getSnapshot().status !== 'active');
  return { tasks, create, proceed, actors, warnings, followEnded };
}
