// An optional tool called without a task runs inline, on the call's own stream. A `task.log` there
// goes through the SDK, which refuses `notifications/message` from a server that did not declare the
// `logging` capability (the spec makes that declaration a MUST for servers that log). The log is
// dropped then; before, the SDK's refusal failed the whole call, while the same tool run as a task
// completed.
import { afterEach, expect, it } from 'vitest';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

let tasks: TaskSupport | undefined;
let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  await tasks?.close();
});

it('a task.log in an inline call on a server without the logging capability drops the log, not the call', async () => {
  tasks = testTaskSupport();
  const t = tasks;
  session = await connectInMemory(t, (server) => {
    t.registerTool(server, 'logs', { taskSupport: 'optional' }, async (_args, task) => {
      await task.log('info', 'step 1');
      await task.progress(1, 2, 'half');
      return { content: [{ type: 'text', text: 'done' }] };
    });
  });
  const result = await session.client.callTool({ name: 'logs', arguments: {} });
  expect(result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
  expect(result.isError).toBeFalsy();
});
