// engine.storage.endedHere: the outcome of a task that ended here is handed out at once (a
// tasks/result answered in its own turn, issue 14) only when nothing was ever queued for it, for
// its owner, once; a refused call leaves the task's marks as they were for the reads that follow.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';

const engines: TaskEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

function engineWithPeek(): { engine: TaskEngine; store: InMemoryTaskRecordStore } {
  const store = new InMemoryTaskRecordStore();
  const logger = { warn: vi.fn(), error: vi.fn() };
  const engine = new TaskEngine(store, new InMemoryTaskOutbox(), {
    defaultTtl: 60_000,
    maxTtl: 60_000,
    pollInterval: 100,
    logger,
    admit: vi.fn(),
    release: vi.fn(),
    peekEnded: (taskId) => store.peekEnded(taskId),
  });
  engines.push(engine);
  return { engine, store };
}

const done: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

/** A task of alice's whose session cannot take notifications now (they are queued for tasks/result). */
function spec(run: TaskSpec['run']): TaskSpec {
  return {
    owner: 'alice',
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(false), statusChanged: () => Promise.resolve() },
    run,
  };
}

async function ended(store: InMemoryTaskRecordStore, taskId: string): Promise<void> {
  await vi.waitFor(() => expect(store.peekEnded(taskId)).toBeDefined());
}

describe('engine.storage.endedHere', () => {
  it('hands out the outcome of a task with nothing ever queued, to its owner, once', async () => {
    const { engine, store } = engineWithPeek();
    const { taskId } = await engine.start(spec(() => done));
    await ended(store, taskId);
    // Another owner is refused, and the refusal takes nothing: the owner still gets it after.
    expect(engine.storage.endedHere(taskId, 'bob')).toBeUndefined();
    expect(engine.storage.endedHere(taskId, 'alice')).toEqual({ type: 'result', result: done });
    // The nothing-queued mark went with it: a second call reads the queue (empty) and the store.
    expect(engine.storage.endedHere(taskId, 'alice')).toBeUndefined();
    expect(await engine.storage.takeMessages(taskId)).toEqual([]);
  });

  it('hands out nothing for a task whose work queued a notification, which stays queued for tasks/result', async () => {
    const { engine, store } = engineWithPeek();
    const { taskId } = await engine.start(
      spec(async (task) => {
        await task.log('info', 'on the way');
        return done;
      }),
    );
    await ended(store, taskId);
    expect(engine.storage.endedHere(taskId, 'alice')).toBeUndefined();
    const queued = await engine.storage.takeMessages(taskId);
    expect(queued.map((m) => (m.kind === 'notification' ? m.message.method : m.kind))).toEqual(['notifications/message']);
  });
});
