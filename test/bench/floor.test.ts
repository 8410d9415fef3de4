import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { designFloor, floorSums } from '../../bench/workloads/floor.js';

// The floor collects the heap before each step (bench/stats.ts settledHeap), as `npm run bench`
// runs it with --expose-gc.
setFlagsFromString('--expose-gc');
(globalThis as { gc?: () => void }).gc ??= runInNewContext('gc') as () => void;

describe("the bench's design floor (issue 14)", () => {
  // Its steps collect the heap and time 500 of each: a few seconds alone, past 20 s once in a run
  // of the whole suite on a loaded machine (the default timeout).
  it('measures every step, with every bare actor started and retired', { timeout: 120_000 }, async () => {
    const m = await designFloor(500);
    for (const key of [
      'floorRequestCpuUs',
      'floorSdkRequestCpuUs',
      'floorActorStartCpuUs',
      'floorActorStopCpuUs',
      'floorSignalCpuUs',
      'floorAbortCpuUs',
    ]) {
      expect(m[key], key).toBeGreaterThan(0);
    }
    const sums = floorSums(m)!;
    const request = Math.min(m.floorRequestCpuUs!, m.floorSdkRequestCpuUs!);
    expect(sums.create).toBeCloseTo(request + m.floorActorStartCpuUs! + m.floorSignalCpuUs!);
    expect(sums.cancel).toBeCloseTo(request + m.floorActorStopCpuUs! + m.floorAbortCpuUs!);
    // Either request may be the cheaper one; without the SDK-served one (an older run) the other counts.
    const parts = { floorActorStartCpuUs: 1, floorActorStopCpuUs: 2, floorSignalCpuUs: 3, floorAbortCpuUs: 4 };
    expect(floorSums({ ...parts, floorRequestCpuUs: 10, floorSdkRequestCpuUs: 20 })).toEqual({ create: 14, cancel: 16 });
    expect(floorSums({ ...parts, floorRequestCpuUs: 20, floorSdkRequestCpuUs: 10 })).toEqual({ create: 14, cancel: 16 });
    expect(floorSums({ ...parts, floorRequestCpuUs: 20 })).toEqual({ create: 24, cancel: 26 });
    expect(floorSums({ createCpuUs: 1 })).toBeUndefined();
  });
});
