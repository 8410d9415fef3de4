import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { designFloor, floorSums } from '../../bench/workloads/floor.js';

// The floor collects the heap before each step (bench/stats.ts settledHeap), as `npm run bench`
// runs it with --expose-gc.
setFlagsFromString('--expose-gc');
(globalThis as { gc?: () => void }).gc ??= runInNewContext('gc') as () => void;

describe("the bench's design floor (issue 14)", () => {
  it('measures every step, with every bare actor started and retired', async () => {
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
    expect(sums.create).toBeCloseTo(m.floorRequestCpuUs! + m.floorActorStartCpuUs! + m.floorSignalCpuUs!);
    expect(sums.cancel).toBeCloseTo(m.floorRequestCpuUs! + m.floorActorStopCpuUs! + m.floorAbortCpuUs!);
    expect(floorSums({ createCpuUs: 1 })).toBeUndefined();
  });
});
