import { describe, expect, it } from 'vitest';
import { ExpectedEnds } from '../../src/engine/ExpectedEnds.js';

describe('ExpectedEnds', () => {
  it('counts each call of a task until its release, and a release twice counts once', () => {
    const ends = new ExpectedEnds();
    const first = ends.add('t1', true);
    const second = ends.add('t1', true);
    expect(ends.has('t1')).toBe(true);
    first();
    first();
    expect(ends.has('t1')).toBe(true);
    second();
    expect(ends.has('t1')).toBe(false);
  });

  it('counts nothing for a call that is not counted (another session, or no live task here)', () => {
    const ends = new ExpectedEnds();
    const release = ends.add('t2', false);
    expect(ends.has('t2')).toBe(false);
    release();
    expect(ends.has('t2')).toBe(false);
    const counted = ends.add('t2', true);
    release();
    expect(ends.has('t2')).toBe(true);
    counted();
    expect(ends.has('t2')).toBe(false);
  });
});
