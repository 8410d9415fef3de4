// A task whose record is stored while the engine closes (its create was in flight as `close` began)
// gets no actor, since the supervisor takes no new task once closing. It must still end: failed with
// the close's reason, its slot given back, and `close` must wait for that write, so no task is left
// `working` in the store with nothing running it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(() => {
  vi.restoreAllMocks();
  return closeTestEngines();
});

function spec(ran: string[]): TaskSpec {
  return {
    owner: 'alice',
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(true), statusChanged: () => Promise.resolve() },
    run: (): CallToolResult => {
      ran.push('work');
      return { content: [] };
    },
  };
}

/** A store whose next create waits until `store()` is called. */
function slowCreate(store: InMemoryTaskRecordStore): { store: () => void } {
  const create = store.create.bind(store);
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  store.create = async (record) => {
    await gate;
    await create(record);
  };
  return { store: release };
}

describe('TaskEngine: a task created as the engine closes', () => {
  it('ends failed with the close’s reason, runs no work, gives its slot back, and close waits for it', async () => {
    const store = new InMemoryTaskRecordStore();
    const { engine, release, logger } = testEngine(store);
    const warn = vi.spyOn(console, 'warn');
    const gate = slowCreate(store);
    const ran: string[] = [];
    const started = engine.start(spec(ran));
    // Let start reach the store before close begins.
    await Promise.resolve();
    const closed = engine.close('Going down');
    let closeDone = false;
    void closed.then(() => (closeDone = true));
    gate.store();
    const record = await started;
    await closed;
    expect(closeDone).toBe(true);
    const stored = await store.get(record.taskId);
    expect(stored?.status).toBe('failed');
    expect(stored?.statusMessage).toBe('Going down');
    expect(await store.getOutcome(record.taskId)).toEqual({
      type: 'error',
      error: { code: -32603, message: 'Going down' },
    });
    expect(ran).toEqual([]);
    expect(release).toHaveBeenCalledWith('alice');
    expect(engine.liveTaskCount).toBe(0);
    // XState's "sent to stopped actor" warning: nothing is sent to the closed supervisor.
    expect(warn).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('still refuses a start that comes after close began', async () => {
    const { engine } = testEngine();
    const closed = engine.close();
    await expect(engine.start(spec([]))).rejects.toThrow('Server is shutting down; no new tasks');
    await closed;
  });
});
