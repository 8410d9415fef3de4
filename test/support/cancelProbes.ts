import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import type { TaskRecord } from '../../src/types.js';

/** A task whose work runs until its signal aborts. */
export function hanging(ttl = 60_000): TaskSpec {
  return {
    owner: 'alice',
    ttl,
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(true), statusChanged: () => Promise.resolve() },
    run: ({ signal }) =>
      new Promise<CallToolResult>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
}

/** From now on, each `get` of the store starts counting turns of the microtask queue once its promise is handed back. */
export function countTurns(store: InMemoryTaskRecordStore): () => number {
  let turns = 0;
  const get = store.get.bind(store);
  store.get = (taskId: string): Promise<TaskRecord | undefined> => {
    const read = get(taskId);
    turns = 0;
    const tick = (): void => {
      turns++;
      if (turns < 100) queueMicrotask(tick);
    };
    queueMicrotask(tick);
    return read;
  };
  return () => turns;
}
