import { describe, expect, it } from 'vitest';
import { LiveTask } from '../../src/engine/LiveTask.js';
import type { PendingInput } from '../../src/engine/LiveTask.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import type { TaskRecord } from '../../src/types.js';

// The pending-ask bookkeeping of a live task, whose map is made only on the first ask (most tasks
// never ask): the questions asked of a task that never asked must not fail or make the map.
const ask: PendingInput = { resolve: () => {}, reject: () => {}, abandon: () => {}, parse: (result) => result };
const live = () => new LiveTask({} as TaskSpec);

describe('a live task', () => {
  it('has no pending ask before its first one, and answers so without failing', () => {
    const task = live();
    expect(task.pendingInput('r1')).toBeUndefined();
    expect(task.hasInputs).toBe(false);
  });

  it('finds an ask by request id while it waits, and has none once it is answered', () => {
    const task = live();
    task.inputs.set('r1', ask);
    expect(task.pendingInput('r1')).toBe(ask);
    expect(task.pendingInput('r2')).toBeUndefined();
    expect(task.hasInputs).toBe(true);
    task.inputs.delete('r1');
    expect(task.hasInputs).toBe(false);
  });

  it('gives its work one signal, aborted when the task ends first, and made aborted when read after', () => {
    const task = live();
    const signal = task.signal;
    expect(task.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    task.abortWork();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
    const late = live();
    late.abortWork();
    expect(late.signal.aborted).toBe(true);
    const settled = live();
    settled.workSettled = true;
    settled.abortWork();
    expect(settled.signal.aborted).toBe(false);
  });

  it("aborts with Node's AbortError, without a stack trace, and leaves the stack trace limit as it was", () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 7;
    const task = live();
    const signal = task.signal;
    task.abortWork();
    const reason = signal.reason as DOMException;
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason.name).toBe('AbortError');
    expect(reason.message).toBe('This operation was aborted');
    expect(reason.stack).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(7);
    Error.stackTraceLimit = limit;
  });

  it('keeps its flags apart: setting or clearing one leaves the others as they were', () => {
    const task = live();
    const flags = ['droppedWarned', 'workSettled', 'workAborted', 'endAnswered', 'cancelAnswered'] as const;
    for (const flag of flags) {
      task[flag] = true;
      expect(flags.map((f) => task[f])).toEqual(flags.map((f) => flags.indexOf(f) <= flags.indexOf(flag)));
    }
    task.workSettled = false;
    expect(flags.map((f) => task[f])).toEqual([true, false, true, true, true]);
  });

  it('is ended once it ends, also for whoever asks afterwards', async () => {
    const settle = (task: LiveTask) =>
      Promise.race([task.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 20))]);
    let released = 0;
    const task = new LiveTask({} as TaskSpec, () => released++);
    const early = settle(task);
    task.end();
    task.end();
    expect(await early).toBe('ended');
    expect(await settle(task)).toBe('ended');
    expect(released).toBe(1);
    const unwatched = live();
    unwatched.end();
    expect(await settle(unwatched)).toBe('ended');
  });

  it('hands the record its end stored to a waiter that came before, and none to one that came later', async () => {
    const record = { taskId: 't1', status: 'cancelled' } as TaskRecord;
    const waited = live();
    const early = waited.ended;
    waited.storedEnd(record);
    waited.end();
    expect(await early).toBe(record);
    expect(await waited.ended).toBeUndefined();
    // Nobody waited as the end was stored: the record is not kept (a late waiter reads the store).
    const unwatched = live();
    unwatched.storedEnd(record);
    const late = unwatched.ended;
    unwatched.end();
    expect(await late).toBeUndefined();
  });
});
