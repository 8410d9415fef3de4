import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { connectInMemory, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

let tasks: TaskSupport;
let session: Session;
afterEach(async () => {
  await session?.close();
  await tasks?.close();
});

// A 2026 tools/call of an optional tool answered inline dismisses its task at once (no client saw
// its id); its ttl deadline goes with it. Before, each such call left a deadline (the task id) in the
// expiry heap for the whole ttl (1 h by default), and its firing made a useless store delete.
describe('extension tools/call of an optional tool answered inline (task dismissed)', () => {
  it('leaves no expiry deadline behind', async () => {
    tasks = testTaskSupport({ minTtl: 1000 });
    session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'quick', { taskSupport: 'optional' }, async () => ({ content: [{ type: 'text', text: 'hi' }] }));
    });
    const CAPS = { extensions: { [TASKS_EXTENSION_ID]: {} } };
    const N = 500;
    for (let i = 0; i < N; i++) {
      const r = await session.client.request(
        { method: 'tools/call', params: { name: 'quick', arguments: {}, _meta: { [CLIENT_CAPABILITIES_META_KEY]: CAPS } } },
        z.looseObject({}),
      );
      expect(r['resultType']).toBe('complete');
    }
    const c = census(tasks);
    expect(c).toMatchObject({ storeRecords: 0, engineLive: 0, expiryDeadlines: 0 });
  });
});
