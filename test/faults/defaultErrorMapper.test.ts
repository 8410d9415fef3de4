/**
 * With no `mapError` configured, a work that throws something that cannot be made text (a
 * null-prototype object, a revoked Proxy, an object whose `toString` throws) fails its call with a
 * line saying so. The default mapping threw on those: the log blamed a `mapError` nobody configured
 * ("mapError threw while mapping…"), and the client got the generic mapper-failure message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TaskSupportOptions } from '../../src/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

const thrown = {
  nullPrototype: (): unknown => Object.create(null),
  revokedProxy: (): unknown => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  throwingToString: (): unknown => ({
    toString(): string {
      throw new Error('toString refused');
    },
  }),
};
type Kind = keyof typeof thrown;

let tasks: TaskSupport | undefined;
let session: Session | undefined;
const logged: string[] = [];

afterEach(async () => {
  await session?.close();
  await tasks?.close();
  logged.length = 0;
});

async function serve(options: TaskSupportOptions = {}): Promise<Session> {
  const log = (...parts: unknown[]): void => void logged.push(parts.map((part) => String(part)).join(' '));
  const support = testTaskSupport({ ...options, logger: { warn: log, error: log } });
  tasks = support;
  session = await connectInMemory(support, (server) => {
    support.registerTool(
      server,
      'throws',
      { taskSupport: 'optional', inputSchema: { kind: z.enum(['nullPrototype', 'revokedProxy', 'throwingToString']) } },
      async ({ kind }) => {
        await Promise.resolve();
        throw thrown[kind]();
      },
    );
  });
  return session;
}

/** The text of the call's isError answer: inline, or the task's tasks/result. */
async function answerText(s: Session, kind: Kind, asTask: boolean): Promise<string> {
  const result = asTask
    ? await taskResult(s.client, (await createTask(s.client, 'throws', { kind })).taskId)
    : await s.client.request({ method: 'tools/call', params: { name: 'throws', arguments: { kind } } }, CallToolResultSchema);
  expect(result.isError).toBe(true);
  return (result.content[0] as { text: string }).text;
}

describe('a thrown value that cannot be made text, with no mapError configured', () => {
  for (const kind of Object.keys(thrown) as Kind[]) {
    for (const asTask of [false, true]) {
      it(`answers that the tool threw an error that cannot be read and logs no mapError failure (${kind}, ${asTask ? 'task' : 'inline'})`, async () => {
        const s = await serve();
        expect(await answerText(s, kind, asTask)).toBe('The tool threw an error that cannot be read');
        expect(logged.filter((line) => line.includes('mapError'))).toEqual([]);
      });
    }
  }

  it('still logs a configured mapError that throws, and answers the generic message', async () => {
    const s = await serve({
      mapError: () => {
        throw new Error('mapper broke');
      },
    });
    expect(await answerText(s, 'nullPrototype', false)).toBe('Internal error while reporting the tool error');
    expect(logged).toContainEqual(
      expect.stringMatching(/^mcp-task-actors: mapError threw while mapping an error of tool throws Error: mapper broke/),
    );
  });
});
