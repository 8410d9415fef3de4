// Wake latency (issue 14): between the store's create and the work's start, a task without a
// cluster waits for nothing more. It awaited the absent cluster's claim (`await undefined`), one
// more turn of the microtask queue before the work began and before the CreateTaskResult went out.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskSession } from '../../src/engine/TaskEngine.js';
import type { TaskRecord } from '../../src/types.js';

const engines: TaskEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

const logger = { warn: vi.fn(), error: vi.fn() };
const options = { defaultTtl: 60_000, maxTtl: 60_000, pollInterval: 100, logger, admit: vi.fn(), release: vi.fn() };
const session: TaskSession = { statusChanged: async () => {}, clientCapabilities: () => undefined, notify: async () => true };
const done: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

/**
 * The in-memory store, whose `create` also starts counting turns of the microtask queue (one
 * `queueMicrotask` after another) from the moment its promise is handed back.
 */
function countingStore(): { store: InMemoryTaskRecordStore; turns: () => number } {
  const store = new InMemoryTaskRecordStore();
  let turns = 0;
  const create = store.create.bind(store);
  store.create = (record: TaskRecord): Promise<void> => {
    const created = create(record);
    const tick = (): void => {
      turns++;
      if (turns < 20) queueMicrotask(tick);
    };
    queueMicrotask(tick);
    return created;
  };
  return { store, turns: () => turns };
}

describe('TaskEngine.start without a cluster', () => {
  it("begins the work on the first turn after the store's create resolves", async () => {
    const { store, turns } = countingStore();
    const engine = new TaskEngine(store, new InMemoryTaskOutbox(), options);
    engines.push(engine);
    let startedAfter: number | undefined;
    const record = await engine.start({
      owner: 'alice',
      tool: 'instant',
      session,
      run: () => {
        startedAfter = turns();
        return done;
      },
    });
    // The create's own promise is settled when handed back: `await` resumes one turn later, and the
    // work begins in that same turn. Awaiting the absent cluster's claim made it 2.
    expect(startedAfter).toBe(1);
    await vi.waitFor(async () => expect((await store.get(record.taskId))?.status).toBe('completed'));
  });
});
