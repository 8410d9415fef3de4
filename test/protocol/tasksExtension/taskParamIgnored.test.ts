/**
 * SEP-2663: a server ignores `params.task` on a 2026-style `tools/call`, whatever it holds. On SDK v2
 * servers a malformed one was refused -32602, by our params check and then by v2's own (both lines run here).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

let tasks: TaskSupport;
let session: Session;
beforeEach(async () => {
  tasks = testTaskSupport();
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'req', { taskSupport: 'required' }, async () => ({ content: [] }));
  });
});
afterEach(async () => {
  await session.close();
  await tasks.close();
});

it.each(['junk', null, { ttl: 'soon' }, []])('ignores params.task %j on an extension tools/call', async (task) => {
  const answer = await session.client.request(
    {
      method: 'tools/call',
      params: { name: 'req', arguments: {}, task, _meta: { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } } },
    },
    z.looseObject({}),
  );
  expect(answer).toMatchObject({ resultType: 'task', status: 'working' });
});
