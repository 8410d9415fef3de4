// Task starts that do not go through TaskEngine.start are waited for by close() too: a worker-pool
// job being taken (WorkerLink.run) and an orphan being adopted (ClusterLink.adopt). Before, their
// writes landed after close() resolved: with the backend closed right after (as documented:
// backend.close() after TaskSupport.close()), the task stayed `working` for good.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { ClusterHandlers, TaskCluster } from '../../src/backends/TaskCluster.js';
import type { TaskPlacement } from '../../src/backends/TaskPlacement.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskRecord } from '../../src/types.js';

const engines: TaskEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

/** The in-memory store, whose `gated` method waits for `open()`, and which refuses every call once `closeBackend()` ran. */
function gatedStore(gated: 'update' | 'get' = 'update') {
  const inner = new InMemoryTaskRecordStore();
  let closed = false;
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let enter = (): void => {};
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (name === gated) {
          enter();
          await gate;
        }
        if (closed) throw new Error('Connection is closed.');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { inner, store, open: () => open(), entered, closeBackend: () => void (closed = true) };
}

function fakeCluster(): { cluster: TaskCluster; handlers: () => ClusterHandlers } {
  let handlers: ClusterHandlers | undefined;
  return {
    cluster: {
      instanceId: 'me',
      start: async (h) => void (handlers = h),
      claim: async () => {},
      release: async () => {},
      send: async () => false,
      close: async () => {},
    },
    handlers: () => handlers!,
  };
}

const never = (): Promise<CallToolResult> => new Promise(() => {});

function record(taskId: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner: 'alice', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100, ...extra };
}

const logger = { warn: vi.fn(), error: vi.fn() };
const base = { defaultTtl: 60_000, maxTtl: 60_000, pollInterval: 100, logger, admit: vi.fn(), release: vi.fn() };

describe('close() while a task is being started outside TaskEngine.start', () => {
  it('waits for a worker-pool job being taken (WorkerLink.run), which then ends failed', async () => {
    const s = gatedStore();
    const { cluster } = fakeCluster();
    const placement: TaskPlacement = {
      role: 'worker',
      dispatch: async () => {},
      withdraw: async () => {},
      serve: () => {},
      close: async () => {},
    };
    const engine = new TaskEngine(s.store, new InMemoryTaskOutbox(), { ...base, cluster, placement, jobWork: () => never });
    engines.push(engine);
    await s.inner.create(record('job-1', { statusMessage: 'Waiting for a worker' }));
    const job = engine.jobHandlers().run({ taskId: 'job-1', tool: 't', args: {}, owner: 'alice', restartable: false });
    void job.catch(() => {});
    await s.entered;
    const closed = engine.close();
    s.open();
    await closed;
    const atClose = await s.inner.get('job-1');
    // The documented order: the backend closes once TaskSupport.close() resolved.
    s.closeBackend();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await s.inner.get('job-1');
    expect(atClose?.status).toBe('failed');
    expect(after).toEqual(atClose);
    expect(engine.liveTaskCount).toBe(0);
  });

  it('waits for an orphan being adopted (ClusterLink.adopt) past its decision to run it, which then ends failed', async () => {
    const s = gatedStore();
    const { cluster, handlers } = fakeCluster();
    const engine = new TaskEngine(s.store, new InMemoryTaskOutbox(), { ...base, cluster, restartWork: () => never });
    engines.push(engine);
    await Promise.resolve();
    await s.inner.create(
      record('orphan-1', {
        runner: 'me', // as the takeover left it
        restart: { tool: 't', args: {}, capabilities: {} },
      }),
    );
    handlers().orphaned('orphan-1');
    await s.entered;
    const closed = engine.close();
    s.open();
    await closed;
    const atClose = await s.inner.get('orphan-1');
    s.closeBackend();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await s.inner.get('orphan-1');
    expect(atClose?.status).toBe('failed');
    expect(after).toEqual(atClose);
    expect(engine.liveTaskCount).toBe(0);
  });

  it('leaves an orphan it had not yet decided to run for a survivor: no write, the lease given up', async () => {
    const s = gatedStore('get');
    const { cluster, handlers } = fakeCluster();
    const relinquish = vi.fn();
    const engine = new TaskEngine(s.store, new InMemoryTaskOutbox(), {
      ...base,
      cluster: { ...cluster, relinquish },
      restartWork: () => never,
    });
    engines.push(engine);
    await Promise.resolve();
    const orphan = record('orphan-2', { runner: 'me', restart: { tool: 't', args: {}, capabilities: {} } });
    await s.inner.create(orphan);
    handlers().orphaned('orphan-2');
    await s.entered;
    const closed = engine.close();
    s.open();
    await closed;
    expect(await s.inner.get('orphan-2')).toEqual(orphan);
    expect(relinquish).toHaveBeenCalledWith('orphan-2');
    expect(engine.liveTaskCount).toBe(0);
  });
});
