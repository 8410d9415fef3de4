import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, createTask, deferred, eventually, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// `task.status(message)` from untyped code with something other than a string: it was stored as it
// was, and a status message that is no string made every tasks/get of the task, and tasks/list of
// all its owner's tasks, fail the client's result schema.

const messages: Record<string, unknown> = { object: { step: 2 }, number: 42, nullPrototype: Object.create(null) };

let tasks: TaskSupport;
let session: Session;
const finish = deferred<CallToolResult>();
const statusSet = new Set<string>();

beforeEach(async () => {
  tasks = testTaskSupport();
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'reports', { taskSupport: 'required', inputSchema: { kind: z.string() } }, async ({ kind }, task) => {
      await task.status(messages[kind] as string);
      statusSet.add(kind);
      return finish.promise;
    });
    tasks.registerTool(server, 'quiet', { taskSupport: 'required' }, () => ({ content: [] }));
  });
});
afterEach(async () => {
  finish.resolve({ content: [] });
  await session.close();
  await tasks.close();
});

describe('a status message that is not a string', () => {
  it('is stored as text, and tasks/get and tasks/list of its owner still answer', async () => {
    await createTask(session.client, 'quiet', {});
    const expected: Record<string, string> = {
      object: '[object Object]',
      number: '42',
      nullPrototype: 'A status message that cannot be read',
    };
    for (const [kind, text] of Object.entries(expected)) {
      const task = await createTask(session.client, 'reports', { kind });
      await eventually(() => statusSet.has(kind));
      expect(await session.client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working', statusMessage: text });
    }
    const listed = await session.client.experimental.tasks.listTasks();
    expect(listed.tasks).toHaveLength(4);
    expect(listed.tasks.filter((task) => task.statusMessage !== undefined).map((task) => task.statusMessage)).toEqual(
      Object.values(expected),
    );
  });
});
