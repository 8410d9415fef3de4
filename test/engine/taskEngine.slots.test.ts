// TaskEngine's own bookkeeping around a task's start and end: the live-task slot taken at start and
// given back once (at the end, or at once when the start fails), the lookup of a task's actor, and
// the mark a tasks/result leaves when it answers the end.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(closeTestEngines);

function setup(store = new InMemoryTaskRecordStore()) {
  const { engine, admit, release } = testEngine(store);
  return { engine, admit, release };
}

/** A spec whose work runs until `finish` is called. */
function spec(owner: string) {
  let finish: (result: CallToolResult) => void = () => {};
  const done = new Promise<CallToolResult>((resolve) => (finish = resolve));
  const value: TaskSpec = {
    owner,
    session: { clientCapabilities: () => undefined, notify: () => Promise.resolve(true), statusChanged: () => Promise.resolve() },
    run: () => done,
  };
  return { spec: value, finish: (result: CallToolResult = { content: [] }) => finish(result) };
}

describe('TaskEngine slots and lookups', () => {
  it('takes the caller’s slot at start and gives it back once, when the task ends', async () => {
    const { engine, admit, release } = setup();
    const work = spec('alice');
    const record = await engine.start(work.spec);
    expect(admit).toHaveBeenCalledWith('alice');
    expect(release).not.toHaveBeenCalled();
    expect(engine.taskActor(record.taskId)?.getSnapshot().status).toBe('active');
    work.finish();
    await vi.waitFor(() => expect(release).toHaveBeenCalledTimes(1));
    expect(release).toHaveBeenCalledWith('alice');
    expect(engine.taskActor(record.taskId)).toBeUndefined();
    await engine.cancel(record.taskId, 'alice').catch(() => {});
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('gives the slot back at once when the record cannot be stored, and runs nothing', async () => {
    const store = new InMemoryTaskRecordStore();
    store.create = () => Promise.reject(new Error('store away'));
    const { engine, release } = setup(store);
    await expect(engine.start(spec('bob').spec)).rejects.toThrow('store away');
    expect(release).toHaveBeenCalledExactlyOnceWith('bob');
    expect(engine.liveActorCount).toBe(0);
  });

  it('marks a live task whose end a tasks/result answered, and ignores an id it does not run', async () => {
    const { engine } = setup();
    const work = spec('carol');
    const record = await engine.start(work.spec);
    const live = (engine as unknown as { live: Map<string, { endAnswered: boolean }> }).live.get(record.taskId)!;
    expect(live.endAnswered).toBe(false);
    engine.ends.answered(record.taskId);
    expect(live.endAnswered).toBe(true);
    expect(() => engine.ends.answered('unknown')).not.toThrow();
    work.finish();
  });
});
