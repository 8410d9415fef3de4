import { fc, it as itProp } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  LiveTaskCounter,
  MemoryBudget,
  defaultTaskLimits,
  jsonBytes,
  resolveLimits,
  resolveRate,
  textResultBytesAtMost,
} from '../../src/engine/limits.js';
import { LIMIT_EXCEEDED } from '../../src/errors.js';

// The limits on their own: what options are accepted and what they resolve to, the memory budget's
// threshold, the live-task counter's admission and release, and how a stored value is measured.

describe('resolving the limits', () => {
  it('takes the defaults for every limit not given, the given ones as they are, Infinity included', () => {
    expect(resolveLimits({})).toEqual(defaultTaskLimits);
    const resolved = resolveLimits({ maxLiveTasks: 1, maxResultBytes: Infinity, taskCreationRate: 7 });
    expect(resolved.maxLiveTasks).toBe(1);
    expect(resolved.maxResultBytes).toBe(Infinity);
    expect(resolved.maxQueuedInputRequests).toBe(defaultTaskLimits.maxQueuedInputRequests);
    expect(resolved.taskCreationRate).toEqual({ perSecond: 7, burst: 7 });
    expect(resolved.taskOperationRate).toEqual({ perSecond: 500, burst: 2_000 });
    expect(resolveLimits({ taskOperationRate: { perSecond: 0.5, burst: 1 } }).taskOperationRate).toEqual({ perSecond: 0.5, burst: 1 });
  });

  it('has the documented defaults', () => {
    expect(defaultTaskLimits).toMatchObject({
      maxLiveTasks: 100_000,
      maxLiveTasksPerCaller: 10_000,
      maxQueuedInputRequests: 16,
      maxResultBytes: 4 * 1024 * 1024,
      minPollInterval: 100,
      taskCreationRate: { perSecond: 50, burst: 500 },
      taskOperationRate: { perSecond: 500, burst: 2_000 },
      maxQueuedNotifications: 1_000,
    });
    expect(Object.isFrozen(defaultTaskLimits.taskCreationRate)).toBe(true);
    expect(Object.isFrozen(defaultTaskLimits.taskOperationRate)).toBe(true);
  });

  it('refuses a limit below 1, NaN or not a number, naming it and the value', () => {
    for (const value of [0, 0.5, -1, NaN, '5' as unknown as number]) {
      expect(() => resolveLimits({ maxLiveTasks: value })).toThrow(
        new RangeError(`maxLiveTasks must be at least 1 (or Infinity), got ${String(value)}`),
      );
    }
  });

  it('refuses a rate that is not positive or a burst below 1, naming the rate', () => {
    for (const perSecond of [0, -1, NaN, 'x' as unknown as number]) {
      expect(() => resolveRate('taskCreationRate', { perSecond, burst: 10 })).toThrow(
        new RangeError(`taskCreationRate.perSecond must be a positive number (or Infinity), got ${String(perSecond)}`),
      );
    }
    for (const burst of [0, 0.5, NaN, 'x' as unknown as number]) {
      expect(() => resolveRate('taskOperationRate', { perSecond: 1, burst })).toThrow(
        new RangeError(`taskOperationRate.burst must be at least 1 (or Infinity), got ${String(burst)}`),
      );
    }
    expect(() => resolveLimits({ taskCreationRate: 0 })).toThrow('taskCreationRate.perSecond');
    expect(() => resolveLimits({ taskOperationRate: 0 })).toThrow('taskOperationRate.perSecond');
    expect(resolveRate('taskCreationRate', { perSecond: Infinity, burst: Infinity })).toEqual({ perSecond: Infinity, burst: Infinity });
  });
});

describe('the memory budget', () => {
  it('admits below the budget and refuses from the budget on, with the limit error', () => {
    let used = 99;
    const budget = new MemoryBudget(100, () => used);
    expect(() => budget.check()).not.toThrow();
    used = 100;
    try {
      budget.check();
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: LIMIT_EXCEEDED,
        message: 'Server memory budget reached (memoryBudget 100 bytes of heap in use); try again later',
        data: { limit: 'memoryBudget', max: 100 },
      });
    }
  });

  it('does not read the heap when the budget is Infinity', () => {
    const budget = new MemoryBudget(Infinity, () => {
      throw new Error('read');
    });
    expect(() => budget.check()).not.toThrow();
  });
});

describe('the live-task counter', () => {
  it('admits up to maxLiveTasks, then refuses with the limit error', () => {
    const counter = new LiveTaskCounter({ maxLiveTasks: 2, maxLiveTasksPerCaller: 10 });
    counter.admit('a');
    counter.admit('b');
    expect(counter.size).toBe(2);
    expect(() => counter.admit('c')).toThrow(
      expect.objectContaining({
        code: LIMIT_EXCEEDED,
        message: 'Too many live tasks on this server (maxLiveTasks 2); try again later',
        data: { limit: 'maxLiveTasks', max: 2 },
      }),
    );
    counter.release('a');
    expect(() => counter.admit('c')).not.toThrow();
  });

  it('admits up to maxLiveTasksPerCaller per caller, and counts each caller apart', () => {
    const counter = new LiveTaskCounter({ maxLiveTasks: 10, maxLiveTasksPerCaller: 2 });
    counter.admit('a');
    counter.admit('a');
    expect(() => counter.admit('a')).toThrow(
      expect.objectContaining({
        code: LIMIT_EXCEEDED,
        message: 'Too many live tasks for this caller (maxLiveTasksPerCaller 2); wait for one to finish or cancel one',
        data: { limit: 'maxLiveTasksPerCaller', max: 2 },
      }),
    );
    expect(() => counter.admit('b')).not.toThrow();
    expect(counter.callers).toBe(2);
    counter.release('a');
    expect(() => counter.admit('a')).not.toThrow();
  });

  it('gives back one slot per release, never below zero, and forgets a caller with none left', () => {
    const counter = new LiveTaskCounter({ maxLiveTasks: 10, maxLiveTasksPerCaller: 2 });
    counter.admit('a');
    counter.admit('a');
    counter.admit('b');
    counter.release('a');
    expect(counter.size).toBe(2);
    expect(counter.callers).toBe(2);
    counter.admit('a');
    expect(() => counter.admit('a')).toThrow('maxLiveTasksPerCaller');
    counter.release('a');
    counter.release('a');
    counter.release('a');
    expect(counter.callers).toBe(1);
    expect(counter.size).toBe(1);
    counter.release('c');
    expect(counter.size).toBe(1);
  });

  it('forgets a caller whose last task ended', () => {
    const counter = new LiveTaskCounter({ maxLiveTasks: 10, maxLiveTasksPerCaller: 2 });
    counter.admit('a');
    expect(counter.callers).toBe(1);
    counter.release('a');
    expect(counter.callers).toBe(0);
    expect(counter.size).toBe(0);
  });
});

describe('measuring a stored value', () => {
  it('counts UTF-8 bytes of its JSON, and nothing for a value JSON leaves out', () => {
    expect(jsonBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(jsonBytes('é')).toBe(4);
    expect(jsonBytes(undefined)).toBe(0);
  });

  // Strings of the units that cost most in JSON: control characters (`\u001f`, 6 bytes), quotes
  // and backslashes (escaped), 3-byte BMP characters, surrogate pairs and lone surrogates.
  const costly = fc.string({
    unit: fc.constantFrom('\u0000', '\u001f', '\n', '"', '\\', 'a', 'é', '€', '\u{1f600}', '\ud800', '\udfff'),
    maxLength: 40,
  });
  const textResult = fc.record(
    {
      content: fc.array(fc.record({ type: fc.constant('text' as const), text: costly }), { maxLength: 4 }),
      isError: fc.boolean(),
    },
    { requiredKeys: ['content'] },
  );

  itProp.prop([textResult])('bounds a text result from above, so a result under the bound surely fits', (result) => {
    expect(textResultBytesAtMost(result)).toBeGreaterThanOrEqual(jsonBytes(result));
  });

  it('bounds the costliest text results, isError included', () => {
    for (const result of [
      { content: [] },
      { content: [], isError: true },
      { content: [{ type: 'text', text: '' }], isError: false },
      {
        isError: false,
        content: [
          { type: 'text', text: '\u0000'.repeat(10) },
          { type: 'text', text: '\ud800"\\' },
        ],
      },
    ]) {
      const bound = textResultBytesAtMost(result);
      expect(typeof bound).toBe('number');
      expect(bound).toBeGreaterThanOrEqual(jsonBytes(result));
    }
  });

  it('bounds nothing but results of text blocks', () => {
    // Serialized by its own toJSON, whatever its fields say.
    class Wrapped {
      content = [{ type: 'text', text: 'x' }];
      toJSON(): string {
        return 'y'.repeat(1000);
      }
    }
    expect(textResultBytesAtMost(new Wrapped())).toBeUndefined();
    class Block {
      type = 'text';
      text = 'x';
      toJSON(): string {
        return 'y'.repeat(1000);
      }
    }
    expect(textResultBytesAtMost({ content: [new Block()] })).toBeUndefined();
    // A block's type is not counted: only 'text' is known to be short.
    expect(textResultBytesAtMost({ content: [{ type: 'x'.repeat(1000), text: '' }] })).toBeUndefined();
    expect(textResultBytesAtMost({ content: [{ type: 'text', text: 'x' }], structuredContent: {} })).toBeUndefined();
    expect(textResultBytesAtMost({ content: [{ type: 'text', text: 'x', _meta: { big: 'y' } }] })).toBeUndefined();
    expect(textResultBytesAtMost({ content: [{ type: 'image', data: 'x', mimeType: 'image/png' }] })).toBeUndefined();
    expect(textResultBytesAtMost({ content: [{ type: 'text', text: 1 }] })).toBeUndefined();
    expect(textResultBytesAtMost({ content: [], isError: 'yes' })).toBeUndefined();
    expect(textResultBytesAtMost({ content: 'x' })).toBeUndefined();
    expect(textResultBytesAtMost('text')).toBeUndefined();
    expect(textResultBytesAtMost(new Error('x'))).toBeUndefined();
  });
});
