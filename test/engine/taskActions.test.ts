import { describe, expect, it, vi } from 'vitest';
import type { TaskCluster } from '../../src/backends/TaskCluster.js';
import type { TaskMessageQueue } from '../../src/backends/TaskMessageQueue.js';
import type { TaskStore } from '../../src/backends/TaskStore.js';
import { LiveTask } from '../../src/engine/LiveTask.js';
import { StoreWriter } from '../../src/engine/StoreWriter.js';
import { EmptyQueues } from '../../src/engine/EmptyQueues.js';
import { TaskActions } from '../../src/engine/TaskActions.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import type { TaskRecord } from '../../src/types.js';
import { McpError } from '../../src/wire.js';

// TaskActions on its own, with recording fakes of the store, queue and cluster: the paths the
// in-memory engine never takes (a task actor that threw, a settle the store refused because another
// instance ended the task, the release of a task to a cluster).

const record = (status: TaskRecord['status']): TaskRecord => ({
  taskId: 't1',
  owner: 'o',
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
  ttl: 60_000,
  pollInterval: 1000,
});

interface Options {
  settle?: () => Promise<TaskRecord | undefined>;
  update?: () => Promise<TaskRecord | undefined>;
  remove?: () => Promise<void>;
  stored?: TaskRecord | undefined;
  cluster?: Pick<TaskCluster, 'release'>;
}

function setup(options: Options = {}) {
  const statusChanged = vi.fn(() => Promise.resolve());
  const live = new LiveTask({ session: { statusChanged } } as unknown as TaskSpec);
  const lives = new Map([['t1', live]]);
  const settle = vi.fn(options.settle ?? (() => Promise.resolve(record('failed'))));
  const store = {
    settle,
    update: vi.fn(options.update ?? (() => Promise.resolve(record('working')))),
    delete: vi.fn(options.remove ?? (() => Promise.resolve())),
    get: vi.fn(() => Promise.resolve(options.stored)),
  } as unknown as TaskStore;
  const resolved: string[] = [];
  const queue = {
    resolve: (_: string, requestId: string) => Promise.resolve(void resolved.push(requestId)).then(() => true),
    clear: () => Promise.resolve(),
  } as unknown as TaskMessageQueue;
  const logger = { warn: vi.fn(), error: vi.fn() };
  const changed = vi.fn();
  const sent: [string, unknown][] = [];
  const actions = new TaskActions({
    emptyQueues: new EmptyQueues(),
    live: lives,
    store,
    queue,
    // Closing: a failing write is logged at once instead of retried for a minute.
    writer: new StoreWriter(logger, () => true),
    logger,
    cluster: options.cluster as TaskCluster | undefined,
    runner: undefined,
    send: (taskId, event) => void sent.push([taskId, event]),
    changed,
  });
  return { actions, live, lives, store, settle, resolved, logger, changed, statusChanged, sent };
}

describe('TaskActions', () => {
  it('fails a task whose actor crashed: logs the crash, rejects its pending ask, stores an internal error and retires it', async () => {
    const t = setup();
    const abandon = vi.fn();
    // The crash ends the task: its ask is abandoned (a rejection nobody has to handle), not rejected as by an answer.
    t.live.inputs.set('r1', { resolve: () => {}, reject: () => {}, abandon, parse: (x) => x });
    const signal = t.live.signal;
    const boom = new Error('boom');
    await t.actions.crashed('t1', boom);
    expect(t.logger.error).toHaveBeenCalledWith('mcp-task-actors: task actor t1 crashed', boom);
    expect(signal.aborted).toBe(true);
    const rejection = abandon.mock.calls[0]?.[0] as McpError;
    expect(rejection).toBeInstanceOf(McpError);
    expect(rejection.code).toBe(-32603);
    expect(rejection.message).toBe('Task t1 failed');
    await t.live.ended;
    expect(t.settle).toHaveBeenCalledWith('t1', 'failed', 'Internal error in the task actor', {
      type: 'error',
      error: { code: -32603, message: 'Internal error in the task actor' },
    });
    expect(t.resolved).toEqual(['r1']);
    expect(t.lives.has('t1')).toBe(false);
    expect(t.logger.error).toHaveBeenCalledTimes(1);
  });

  it('only logs the crash of a task actor whose task is no longer live', async () => {
    const t = setup();
    t.lives.delete('t1');
    await expect(t.actions.crashed('t1', new Error('late'))).resolves.toBeUndefined();
    expect(t.logger.error).toHaveBeenCalledTimes(1);
    expect(t.settle).not.toHaveBeenCalled();
  });

  it('reports the end another instance stored when the store refuses this settle', async () => {
    const cancelledElsewhere = record('cancelled');
    const t = setup({ settle: () => Promise.resolve(undefined), stored: cancelledElsewhere });
    t.actions.settle('t1', { status: 'completed', output: { content: [] } });
    await t.live.ended;
    expect(t.changed).toHaveBeenCalledWith(cancelledElsewhere);
    expect(t.statusChanged).toHaveBeenCalledWith(cancelledElsewhere);
    expect(t.logger.error).not.toHaveBeenCalled();
  });

  it('leaves the end out of the status notifications while a tasks/result waits or once one answered it, still telling watchers', async () => {
    for (const how of ['waiting', 'answered', 'neither'] as const) {
      const t = setup();
      if (how === 'waiting') t.live.attached = 1;
      if (how === 'answered') t.live.endAnswered = true;
      t.actions.settle('t1', { status: 'completed', output: { content: [] } });
      await t.live.ended;
      expect(t.changed, how).toHaveBeenCalledWith(record('failed'));
      expect(t.statusChanged.mock.calls.length, how).toBe(how === 'neither' ? 1 : 0);
    }
  });

  it('leaves a cancelled end out of the status notifications when the task’s own session cancelled it, and only that end', async () => {
    for (const status of ['cancelled', 'completed'] as const) {
      const t = setup();
      t.live.cancelAnswered = true;
      t.actions.settle('t1', status === 'cancelled' ? { status, reason: 'by the client' } : { status, output: { content: [] } });
      await t.live.ended;
      expect(t.changed, status).toHaveBeenCalledTimes(1);
      expect(t.statusChanged.mock.calls.length, status).toBe(status === 'cancelled' ? 0 : 1);
    }
  });

  it('decides on the end notification only once the session’s hold is over: a tasks/result that came meanwhile answers it', async () => {
    for (const meanwhile of ['answered', 'nothing'] as const) {
      const t = setup();
      let release = (): void => {};
      const hold = new Promise<void>((resolve) => (release = resolve));
      (t.live.spec.session as { held?: () => Promise<void> | undefined }).held = () => hold;
      t.actions.settle('t1', { status: 'completed', output: { content: [] } });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(t.statusChanged, meanwhile).not.toHaveBeenCalled();
      if (meanwhile === 'answered') t.live.endAnswered = true;
      release();
      await t.live.ended;
      expect(t.statusChanged.mock.calls.length, meanwhile).toBe(meanwhile === 'answered' ? 0 : 1);
    }
  });

  it('reports nothing when the store refuses the settle and holds no ended task', async () => {
    for (const stored of [record('working'), undefined]) {
      const t = setup({ settle: () => Promise.resolve(undefined), stored });
      t.actions.settle('t1', { status: 'completed', output: { content: [] } });
      await t.live.ended;
      expect(t.changed).not.toHaveBeenCalled();
      expect(t.statusChanged).not.toHaveBeenCalled();
      expect(t.logger.error).not.toHaveBeenCalled();
    }
  });

  it('releases a settled task to the cluster after its last write, and forgets it even when the release fails', async () => {
    const order: string[] = [];
    const release = vi.fn((taskId: string) => Promise.resolve(void order.push(`release ${taskId}`)));
    const settled = () => {
      order.push('settle');
      return Promise.resolve(record('completed'));
    };
    const t = setup({ settle: settled, cluster: { release } });
    t.actions.settle('t1', { status: 'completed', output: { content: [] } });
    await t.live.ended;
    expect(order).toEqual(['settle', 'release t1']);
    expect(t.lives.has('t1')).toBe(false);

    const failure = new Error('redis gone');
    const refused = setup({ cluster: { release: () => Promise.reject(failure) } });
    refused.actions.settle('t1', { status: 'completed', output: { content: [] } });
    await refused.live.ended;
    expect(refused.logger.error).toHaveBeenCalledWith('mcp-task-actors: releasing task t1 failed', failure);
    expect(refused.lives.has('t1')).toBe(false);
  });

  it('reports an announced status only when the store wrote it (a fenced write answers without a record)', async () => {
    const t = setup();
    t.actions.announce('t1', { status: 'input_required', message: 'waiting' });
    await t.live.writes;
    expect(t.store.update).toHaveBeenCalledWith('t1', 'input_required', 'waiting', undefined);
    expect(t.changed).toHaveBeenCalledWith(record('working'));
    expect(t.statusChanged).toHaveBeenCalledWith(record('working'));

    const fenced = setup({ update: () => Promise.resolve(undefined) });
    fenced.actions.announce('t1', { status: 'working' });
    await fenced.live.writes;
    expect(fenced.changed).not.toHaveBeenCalled();
    expect(fenced.statusChanged).not.toHaveBeenCalled();
    expect(fenced.logger.error).not.toHaveBeenCalled();
  });

  it('ignores the decisions of an actor whose task is no longer live, and an answer nobody waits for', async () => {
    const t = setup();
    const resolve = vi.fn();
    t.live.inputs.set('r1', { resolve, reject: () => {}, abandon: () => {}, parse: (x) => x });
    t.actions.inputSettled('t1', { requestId: 'other', result: {} });
    await t.live.writes;
    expect(t.resolved).toEqual([]);
    expect(t.live.hasInputs).toBe(true);
    t.lives.delete('t1');
    expect(() => t.actions.inputSettled('t1', { requestId: 'r1', result: {} })).not.toThrow();
    expect(() => t.actions.settle('t1', { status: 'completed', output: { content: [] } })).not.toThrow();
    expect(() => t.actions.discard('t1')).not.toThrow();
    await t.live.writes;
    expect(resolve).not.toHaveBeenCalled();
    expect(t.settle).not.toHaveBeenCalled();
    expect(t.store.delete).not.toHaveBeenCalled();
  });

  it("hands a live task's expiry to its actor, and forgets a settled one, logging a delete that keeps failing", async () => {
    const t = setup();
    await t.actions.expire('t1');
    expect(t.sent).toEqual([['t1', { type: 'expire' }]]);
    expect(t.store.delete).not.toHaveBeenCalled();
    const gone = new Error('store away');
    const settled = setup({ remove: () => Promise.reject(gone) });
    settled.lives.delete('t1');
    await settled.actions.expire('t1');
    expect(settled.sent).toEqual([]);
    expect(settled.store.delete).toHaveBeenCalledWith('t1');
    expect(settled.logger.error).toHaveBeenCalledWith('mcp-task-actors: forgetting expired task t1 failed', gone);
  });

  it('retires only its own bookkeeping: a newer live task under the same id stays', async () => {
    const t = setup();
    t.actions.settle('t1', { status: 'completed', output: { content: [] } });
    const newer = new LiveTask({ session: { statusChanged: () => Promise.resolve() } } as unknown as TaskSpec);
    t.lives.set('t1', newer);
    await t.live.ended;
    expect(t.lives.get('t1')).toBe(newer);
  });
});
