import { describe, expect, it } from 'vitest';
import { ExpectedEnds } from '../../src/engine/ExpectedEnds.js';
import type { TaskSession } from '../../src/engine/TaskSpec.js';

const own = { clientCapabilities: () => undefined, notify: async () => true, statusChanged: async () => {} } as TaskSession;
const other = { ...own } as TaskSession;
const live = new Map([
  ['t1', { spec: { session: own } }],
  ['t2', { spec: { session: own } }],
]);

describe('ExpectedEnds', () => {
  it('counts each call of a task until its release, and a release twice counts once', () => {
    const ends = new ExpectedEnds(live);
    const first = ends.add('t1', own);
    const second = ends.add('t1', own);
    expect(ends.has('t1')).toBe(true);
    first();
    first();
    expect(ends.has('t1')).toBe(true);
    second();
    expect(ends.has('t1')).toBe(false);
  });

  it('counts nothing for a call that is not counted (another session, or no live task here)', () => {
    const ends = new ExpectedEnds(live);
    const release = ends.add('t2', other);
    expect(ends.has('t2')).toBe(false);
    release();
    expect(ends.has('t2')).toBe(false);
    expect(ends.add('gone', own)).toBe(release);
    expect(ends.has('gone')).toBe(false);
    expect(ends.add('t2', undefined)).toBe(release);
    const counted = ends.add('t2', own);
    release();
    expect(ends.has('t2')).toBe(true);
    counted();
    expect(ends.has('t2')).toBe(false);
  });
});
