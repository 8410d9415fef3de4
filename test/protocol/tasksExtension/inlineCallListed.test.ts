/**
 * What docs/protocols.md says of an `optional` tool's extension call that still runs inline (not
 * promoted): its task shows in the same caller's 2025-11-25 `tasks/list` while it runs, and a 2025
 * `tasks/cancel` of it cancels the inline call, which answers -32603; once it ends, the task is
 * forgotten (not found). A known gap, pinned so the page stays true: hiding the task needs a flag
 * on the stored record on every backend.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, eventually, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';

let tasks: TaskSupport;
let session: Session;
let started = false;

beforeEach(async () => {
  started = false;
  tasks = testTaskSupport({ promoteAfter: 60_000 });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'opt', { taskSupport: 'optional' }, async (_args, task) => {
      started = true;
      await new Promise((resolve) => task.signal.addEventListener('abort', resolve, { once: true }));
      return { content: [] };
    });
  });
});

afterEach(async () => {
  await session.close();
  await tasks.close();
});

it("an inline extension call's task is listed by 2025-11-25 tasks/list while it runs, and a 2025 tasks/cancel ends the call", async () => {
  const meta = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } };
  const call = rpcError(
    session.client.request({ method: 'tools/call', params: { name: 'opt', arguments: {}, _meta: meta } }, z.looseObject({})),
  );
  await eventually(() => started);
  const listed = await session.client.experimental.tasks.listTasks();
  expect(listed.tasks).toHaveLength(1);
  const taskId = listed.tasks[0]!.taskId;
  expect((await session.client.experimental.tasks.cancelTask(taskId)).status).toBe('cancelled');
  expect((await call).code).toBe(-32603);
  expect((await rpcError(session.client.experimental.tasks.getTask(taskId))).code).toBe(-32602);
});
