/**
 * graceTimers (test/support/streamGapClient.ts) sets the stream-gap grace for its test only: the
 * memory project runs files with `isolate: false`, so a grace left changed would reach later files.
 */
import { describe, expect, it } from 'vitest';
import { streamGrace } from '../../src/engine/streamGap.js';
import { graceTimers } from '../support/streamGapClient.js';

describe('graceTimers', () => {
  const before = streamGrace.ms;

  it('sets a grace no test waits out', () => {
    graceTimers();
    expect(streamGrace.ms).not.toBe(before);
  });

  it('leaves the grace as it found it once its test ended', () => {
    expect(streamGrace.ms).toBe(before);
  });
});
