import { describe, expect, it, vi } from 'vitest';
import { TaskWatchers } from '../../src/engine/TaskWatchers.js';
import type { TaskRecord } from '../../src/types.js';

// The status listeners of `engine.watch`, per task: who is told, and what an unsubscribe removes.

const record = (taskId: string): TaskRecord => ({
  taskId,
  owner: 'o',
  status: 'working',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
  ttl: 1000,
  pollInterval: 100,
});

describe('TaskWatchers', () => {
  it("tells every listener of a task its records, and no other task's listeners", () => {
    const watchers = new TaskWatchers();
    const a = vi.fn();
    const b = vi.fn();
    const other = vi.fn();
    watchers.add('t1', a);
    watchers.add('t1', b);
    watchers.add('t2', other);
    watchers.tell(record('t1'));
    expect(a).toHaveBeenCalledWith(record('t1'));
    expect(b).toHaveBeenCalledWith(record('t1'));
    expect(other).not.toHaveBeenCalled();
    expect(() => watchers.tell(record('nobody'))).not.toThrow();
  });

  it('keeps telling the other listeners of a task when one unsubscribes', () => {
    const watchers = new TaskWatchers();
    const leaving = vi.fn();
    const staying = vi.fn();
    const unsubscribe = watchers.add('t1', leaving);
    watchers.add('t1', staying);
    unsubscribe();
    watchers.tell(record('t1'));
    expect(leaving).not.toHaveBeenCalled();
    expect(staying).toHaveBeenCalledTimes(1);
  });

  it("lets a late second unsubscribe of a task's last listener leave the task's new listeners alone", () => {
    const watchers = new TaskWatchers();
    const first = watchers.add('t1', vi.fn());
    first();
    const later = vi.fn();
    watchers.add('t1', later);
    first();
    watchers.tell(record('t1'));
    expect(later).toHaveBeenCalledTimes(1);
  });

  it('keeps no entry for a task whose last listener left (one per watched task would pile up in a long-running server)', () => {
    const watchers = new TaskWatchers();
    // The map is private; its size is the only trace of the entry, so this test reads it.
    const entries = () => (watchers as unknown as { byTask: Map<string, unknown> }).byTask.size;
    const a = watchers.add('t1', vi.fn());
    const b = watchers.add('t1', vi.fn());
    watchers.add('t2', vi.fn());
    a();
    expect(entries()).toBe(2);
    b();
    expect(entries()).toBe(1);
  });
});
