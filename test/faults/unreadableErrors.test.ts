import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// What a work throws is read in its task actor's `settle` (the status message and the stored
// outcome). A thrown value whose reads throw there crashed the actor: the task still failed, but
// through the crash fallback ("Internal error in the task actor", logged as a crash).

/** An Error whose `message` can be read once (by the safeguards), and throws on every later read. */
function readableOnce(): Error {
  const error = new Error('first read');
  let reads = 0;
  Object.defineProperty(error, 'message', {
    get: () => {
      if (++reads > 1) throw new Error('message read twice');
      return 'first read';
    },
  });
  return error;
}

const thrown = {
  readableOnce,
  nullPrototype: (): unknown => Object.create(null),
  revokedProxy: (): unknown => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
};

let tasks: TaskSupport;
let session: Session;
const logged: string[] = [];

function setup(server: McpServer): void {
  tasks.registerTool(
    server,
    'throws',
    { taskSupport: 'required', inputSchema: { kind: z.enum(['readableOnce', 'nullPrototype', 'revokedProxy']) } },
    async ({ kind }) => {
      await Promise.resolve();
      throw thrown[kind]();
    },
  );
}

for (const maxResultBytes of [Infinity, 1000]) {
  describe(`a thrown value whose reads throw (maxResultBytes ${maxResultBytes})`, () => {
    beforeEach(async () => {
      logged.length = 0;
      const log = (message: unknown): void => void logged.push(String(message));
      tasks = testTaskSupport({ limits: { maxResultBytes }, logger: { warn: log, error: log } });
      session = await connectInMemory(tasks, setup);
    });
    afterEach(async () => {
      await session.close();
      await tasks.close();
    });

    for (const kind of Object.keys(thrown)) {
      it(`fails its task with a message saying so, without crashing its actor (${kind})`, async () => {
        const task = await createTask(session.client, 'throws', { kind });
        const result = await taskResult(session.client, task.taskId);
        expect(result.isError).toBe(true);
        const text = (result.content[0] as { text: string }).text;
        expect(text).not.toMatch(/Internal error in the task actor/);
        expect(text).toMatch(/cannot be read|Internal error while reporting the tool error/);
        expect(await tasks.store.get(task.taskId)).toMatchObject({ status: 'failed', statusMessage: text });
        expect(logged.filter((line) => line.includes('crashed'))).toEqual([]);
        await eventually(() => census(tasks).engineLive === 0);
        expect(census(tasks)).toMatchObject({ actors: 0, admitted: 0 });
      });
    }
  });
}

// The same for a result: read once by the safeguards (size and JSON), then again by the engine's
// CallToolResult check, which ran in the work's one `then` unguarded. A result whose later read
// throws was an unhandled rejection there, and its task stayed `working` until its ttl.
describe('a result whose later reads throw', () => {
  beforeEach(async () => {
    tasks = testTaskSupport();
    session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'returns', { taskSupport: 'required' }, async () => {
        let reads = 0;
        return {
          get content() {
            if (++reads > 1) throw new Error('content read again');
            return [{ type: 'text', text: 'first read' }];
          },
        } as unknown as CallToolResult;
      });
    });
  });
  afterEach(async () => {
    await session.close();
    await tasks.close();
  });

  it('fails its task with what the read threw, and tasks/result answers', async () => {
    const task = await createTask(session.client, 'returns', {});
    const result = await taskResult(session.client, task.taskId, { signal: AbortSignal.timeout(3000) });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'content read again' }] });
    expect(await tasks.store.get(task.taskId)).toMatchObject({ status: 'failed', statusMessage: 'content read again' });
    await eventually(() => census(tasks).engineLive === 0);
    expect(census(tasks)).toMatchObject({ actors: 0, admitted: 0 });
  });
});
