// A task whose lease could not be taken (TaskCluster.claim rejected after the record was stored).
// Before, the caller got the cluster's raw error (a Redis reply such as WRONGTYPE or "Connection is
// closed.") while the record stayed `working` with no actor and no lease index entry, so no sweep
// ever took it over: listed by tasks/list, pollable by id, until its ttl.
import { describe, expect, it, vi } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskCluster } from '../../src/backends/TaskCluster.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskSession } from '../../src/engine/TaskEngine.js';

const session: TaskSession = { clientCapabilities: () => undefined, notify: async () => false, statusChanged: async () => {} };

function engineWith(claim: TaskCluster['claim']) {
  const store = new InMemoryTaskRecordStore();
  const logger = { warn: vi.fn(), error: vi.fn() };
  const admit = vi.fn();
  const release = vi.fn();
  const cluster: TaskCluster = {
    instanceId: 'me',
    start: async () => {},
    claim,
    release: async () => {},
    send: async () => false,
    close: async () => {},
  };
  const engine = new TaskEngine(store, new InMemoryTaskOutbox(), {
    defaultTtl: 60_000,
    maxTtl: 60_000,
    pollInterval: 100,
    logger,
    admit,
    release,
    cluster,
  });
  return { store, engine, logger, admit, release };
}

describe('a task whose lease cannot be claimed', () => {
  it('is refused with one -32603 line, its record dropped, its slot given back, the cause in the log', async () => {
    const cause = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    const { store, engine, logger, admit, release } = engineWith(async () => {
      throw cause;
    });
    const run = vi.fn(async () => ({ content: [] }));
    const refused = await engine.start({ owner: 'alice', session, run }).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: -32603,
      message: 'Task cluster unavailable: the new task could not be claimed (details in the server log)',
    });
    expect(await store.list('alice', undefined, 10)).toEqual({ tasks: [] });
    expect(admit).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledTimes(1);
    expect(engine.liveTaskCount).toBe(0);
    expect(run).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('could not take the lease of new task'), cause);
    await engine.close();
  });

  it('a claim that succeeds runs the task as before', async () => {
    const { store, engine } = engineWith(async () => {});
    const record = await engine.start({ owner: 'alice', session, run: async () => ({ content: [{ type: 'text', text: 'done' }] }) });
    await vi.waitFor(async () => expect((await store.get(record.taskId))?.status).toBe('completed'));
    await engine.close();
  });
});
