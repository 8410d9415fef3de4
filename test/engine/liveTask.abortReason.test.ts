// CPU per tasks/cancel (issue 14): each abort of a work's signal made its reason with DOMException's
// constructor, which on Node 20 captures a stack (even with a limit of 0 frames) and files the
// instance in a WeakMap: about 1.5 µs and GC work per cancel at 100,000 live tasks. The reason is
// now an object of its own whose prototype is an AbortError DOMException, so the work sees what it saw.
import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { LiveTask } from '../../src/engine/LiveTask.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';

const RealDOMException = globalThis.DOMException;

afterEach(() => {
  globalThis.DOMException = RealDOMException;
});

/** Node's own stackless default abort reason, to compare with. */
function nodeReason(): DOMException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RealDOMException('This operation was aborted', 'AbortError');
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function abortedReason(): DOMException {
  const task = new LiveTask({} as TaskSpec);
  const signal = task.signal;
  task.abortWork();
  return signal.reason as DOMException;
}

describe("a task's abort reason", () => {
  it("is made without DOMException's constructor", () => {
    let made = 0;
    // Counts every DOMException constructed from now on (a reason made per abort, as before, is one).
    globalThis.DOMException = class extends RealDOMException {
      constructor(...args: ConstructorParameters<typeof RealDOMException>) {
        super(...args);
        made++;
      }
    };
    abortedReason();
    const late = new LiveTask({} as TaskSpec);
    late.abortWork();
    expect(late.signal.reason).toBeInstanceOf(RealDOMException);
    expect(made).toBe(0);
  });

  it("shows and behaves as Node's AbortError: class, name, message, code, stack, inspect, JSON", () => {
    const reason = abortedReason();
    const node = nodeReason();
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason).toBeInstanceOf(Error);
    expect(reason.constructor).toBe(DOMException);
    for (const key of ['name', 'message', 'code', 'stack'] as const) expect(reason[key]).toBe(node[key]);
    expect(reason.code).toBe(DOMException.ABORT_ERR);
    expect(String(reason)).toBe(String(node));
    expect(Object.prototype.toString.call(reason)).toBe('[object DOMException]');
    expect(inspect(reason)).toBe(inspect(node));
    expect(inspect({ reason })).toBe(inspect({ reason: node }));
    expect(JSON.stringify(reason)).toBe(JSON.stringify(node));
    expect(Object.keys(reason)).toEqual(Object.keys(node));
  });

  it("is each task's own: a catch that annotates it or replaces its stack leaves the next one as it was", () => {
    const first = abortedReason() as DOMException & { taskContext?: string };
    first.taskContext = 'annotated';
    first.stack = 'replaced';
    const second = abortedReason() as DOMException & { taskContext?: string };
    expect(second).not.toBe(first);
    expect(second.taskContext).toBeUndefined();
    expect(second.stack).toBe('AbortError: This operation was aborted');
    expect(first.stack).toBe('replaced');
    // As on Node's own, the name and message are read-only (a getter there, a read-only value here).
    expect(() => {
      (second as { message: string }).message = 'changed';
    }).toThrow(TypeError);
    expect(second.message).toBe('This operation was aborted');
  });

  it('is what throwIfAborted throws and what a signal listener reads', () => {
    const task = new LiveTask({} as TaskSpec);
    const signal = task.signal;
    let heard: unknown;
    signal.addEventListener('abort', () => (heard = signal.reason), { once: true });
    task.abortWork();
    expect(heard).toBe(signal.reason);
    expect(() => signal.throwIfAborted()).toThrow(signal.reason as Error);
  });
});
