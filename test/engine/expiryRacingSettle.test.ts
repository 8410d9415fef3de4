import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/index.js';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { connectInMemory, createTask, deferred, eventually, sleep, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

// A task's ttl runs out while its end is still being stored (a slow store's settle): its actor is
// final by then, so the `expire` sent to it was dropped, and nothing else deletes the record.

/** The in-memory record store, with every settle taking `ms` longer. */
function slowSettleStore(ms: number): InMemoryTaskRecordStore {
  const store = new InMemoryTaskRecordStore();
  const settle = store.settle.bind(store);
  store.settle = async (...args: Parameters<typeof settle>) => {
    await sleep(ms);
    return settle(...args);
  };
  return store;
}

let tasks: TaskSupport;
let session: Session;
afterEach(async () => {
  await session.close();
  await tasks.close();
});

describe('a ttl that runs out while the task’s end is being stored', () => {
  for (const end of ['completed', 'cancelled'] as const) {
    it(`still deletes the task once its end is stored (${end})`, async () => {
      const store = slowSettleStore(150);
      tasks = testTaskSupport({ store });
      const finish = deferred<void>();
      session = await connectInMemory(tasks, (server) => {
        tasks.registerTool(server, 'waits', { taskSupport: 'required' }, async (): Promise<CallToolResult> => {
          await finish.promise;
          return { content: [{ type: 'text', text: 'done' }] };
        });
      });
      const task = await createTask(session.client, 'waits', {}, 100);
      await sleep(30);
      // The settle starts before the ttl's end (100 ms) and is stored after it (about 180 ms).
      if (end === 'completed') finish.resolve();
      else void session.client.experimental.tasks.cancelTask(task.taskId).catch(() => {});
      await eventually(() => census(tasks).storeRecords === 0, 2000);
      expect(await store.get(task.taskId)).toBeUndefined();
      expect(census(tasks)).toMatchObject({ actors: 0, engineLive: 0, expiryDeadlines: 0, admitted: 0, storeRecords: 0, queueEntries: 0 });
      finish.resolve();
    });
  }
});
