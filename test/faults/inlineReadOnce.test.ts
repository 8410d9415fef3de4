/**
 * An `optional` tool called without `task` (inline) whose work throws an Error readable only once:
 * its message is read when the safeguards measure it, and the inline answer read it again, outside
 * any guard. The getter's own error then reached the client as a -32603 ("message read twice")
 * instead of an answer about the tool's error. Its task counterpart answers "The tool threw an
 * error that cannot be read" (unreadableErrors.test.ts); so does the inline call now.
 */
import { afterEach, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/** An Error whose `message` can be read once, and throws on every later read. */
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

let tasks: TaskSupport | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.close();
  await tasks?.close();
});

it('answers an inline call whose thrown error is readable once with an isError result, not the read’s own -32603', async () => {
  const support = testTaskSupport();
  tasks = support;
  session = await connectInMemory(support, (server) => {
    support.registerTool(server, 'throws', { taskSupport: 'optional' }, async () => {
      await Promise.resolve();
      throw readableOnce();
    });
  });
  const answer = await session.client
    .request({ method: 'tools/call', params: { name: 'throws', arguments: {} } }, CallToolResultSchema)
    .catch((error: Error) => error);
  expect(answer).not.toBeInstanceOf(Error);
  expect(answer).toEqual({ content: [{ type: 'text', text: 'The tool threw an error that cannot be read' }], isError: true });
});
