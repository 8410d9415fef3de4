// Cancelling a task no actor of this instance runs: the store decides, the queue is dropped, the
// runner is told to abort the work, and a worker pool's front is told with what the store decided.
import { describe, expect, it, vi } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskCluster } from '../../src/backends/TaskCluster.js';
import { cancelUnrun } from '../../src/engine/cancelUnrun.js';
import type { FrontLink } from '../../src/engine/FrontLink.js';
import type { TaskRecord } from '../../src/types.js';

function record(taskId: string): TaskRecord {
  const now = new Date().toISOString();
  return { taskId, owner: 'alice', status: 'working', createdAt: now, lastUpdatedAt: now, ttl: 60_000, pollInterval: 100 };
}

function setup(runnerTold: boolean) {
  const store = new InMemoryTaskRecordStore();
  const queue = new InMemoryTaskOutbox();
  const log: string[] = [];
  const clear = vi.spyOn(queue, 'clear').mockImplementation(async (taskId) => void log.push(`clear ${taskId}`));
  const send = vi.fn(async (taskId: string) => (log.push(`send ${taskId}`), runnerTold));
  const cluster = { send } as unknown as TaskCluster;
  const cancelled = vi.fn(async (taskId: string) => void log.push(`front ${taskId}`));
  const frontLink = { cancelled } as unknown as FrontLink;
  return { store, queue, cluster, frontLink, log, clear, send, cancelled };
}

describe('cancelUnrun', () => {
  it('settles the task cancelled, drops its queue, tells the runner and then the front, and answers with the stored record', async () => {
    const deps = setup(true);
    await deps.store.create(record('t1'));
    const stored = await cancelUnrun(deps, 't1', 'stop');
    expect(stored).toMatchObject({ taskId: 't1', status: 'cancelled', statusMessage: 'stop' });
    expect(await deps.store.get('t1')).toEqual(stored);
    expect(await deps.store.getOutcome('t1')).toMatchObject({ type: 'error', error: { message: 'Task t1 was cancelled: stop' } });
    expect(deps.log).toEqual(['clear t1', 'send t1', 'front t1']);
    expect(deps.send).toHaveBeenCalledWith('t1', { type: 'cancel', reason: 'stop' });
    expect(deps.cancelled).toHaveBeenCalledWith('t1', stored, true);
  });

  it('answers undefined when the store refused the settle (the task ended first), and the front hears so', async () => {
    const deps = setup(false);
    await deps.store.create(record('t2'));
    await deps.store.settle('t2', 'completed', undefined, { type: 'result', result: { content: [] } });
    expect(await cancelUnrun(deps, 't2', 'stop')).toBeUndefined();
    expect((await deps.store.get('t2'))?.status).toBe('completed');
    expect(deps.cancelled).toHaveBeenCalledWith('t2', undefined, false);
    // What the completed task queued for its tasks/result stays (a cancel that lost the race drops nothing).
    expect(deps.clear).not.toHaveBeenCalled();
  });

  it('without a cluster or a front, settles and drops the queue only', async () => {
    const { store, queue, clear } = setup(false);
    await store.create(record('t3'));
    expect(await cancelUnrun({ store, queue }, 't3', 'stop')).toMatchObject({ status: 'cancelled' });
    expect(clear).toHaveBeenCalledWith('t3');
  });
});
