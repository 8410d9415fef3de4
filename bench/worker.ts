/**
 * One benchmark configuration in its own process: `worker.ts <impl> <transport> <group>`.
 * Prints one line `BENCH_RESULT {json}` for the runner.
 */
import { TUNED_POLL_MS } from './configs.js';
import type { Group, ImplName } from './configs.js';
import { connectClient } from './connect.js';
import type { TransportKind } from './connect.js';
import { oursImpl } from './impls/ours.js';
import { sdkAnchorImpl } from './impls/sdkAnchor.js';
import type { BenchImpl } from './impls/types.js';
import { heapPerTask } from './workloads/memory.js';
import type { MemoryState } from './workloads/memory.js';
import { AB_PLAN, alternatingLifecycles } from './workloads/alternating.js';
import { liveScale, retainedScale } from './workloads/scale.js';
import { ceiling, inputRoundTrip, lifecycles, wakeLatency } from './workloads/speed.js';
import type { Metrics } from './workloads/speed.js';

function makeImpl(name: ImplName): BenchImpl {
  switch (name) {
    case 'ours':
      return oursImpl();
    case 'anchor':
      return sdkAnchorImpl(undefined);
    case 'anchor-tuned':
      return sdkAnchorImpl(TUNED_POLL_MS);
  }
}

async function runGroup(implName: ImplName, impl: BenchImpl, transport: TransportKind, group: Group): Promise<Metrics> {
  switch (group) {
    case 'ab': {
      const tunedImpl = makeImpl('anchor-tuned');
      const ours = await connectClient(impl, transport);
      const tuned = await connectClient(tunedImpl, transport);
      try {
        return await alternatingLifecycles(ours, tuned, AB_PLAN[transport]);
      } finally {
        await ours.close();
        await tuned.close();
        await tunedImpl.close();
      }
    }
    case 'speed': {
      const bc = await connectClient(impl, transport);
      const slow = implName === 'anchor';
      try {
        return {
          ...(await ceiling(bc)),
          ...(await wakeLatency(bc, impl, slow ? { kind: 'overlapped', perSecond: 50 } : { kind: 'sequential' })),
          ...(await lifecycles(bc)),
          ...(await inputRoundTrip(bc, impl, slow ? { kind: 'overlapped', perSecond: 25 } : { kind: 'sequential' })),
          overlappedRuns: slow ? 1 : 0,
        };
      } finally {
        await bc.close();
      }
    }
    case 'memory-working':
    case 'memory-input':
    case 'memory-retained':
      return heapPerTask(impl, group.slice('memory-'.length) as MemoryState);
    case 'scale-live':
      return liveScale(impl);
    case 'scale-retained':
      return retainedScale(impl);
  }
}

async function main(): Promise<void> {
  const [implName, transport, group] = process.argv.slice(2) as [ImplName, TransportKind, Group];
  const impl = makeImpl(implName);
  const started = performance.now();
  const metrics = await runGroup(implName, impl, transport, group);
  await impl.close();
  const seconds = (performance.now() - started) / 1000;
  // CPU seconds of this process (all its threads): what the configuration costs whatever the load.
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ impl: implName, transport, group, seconds, cpuSeconds, metrics })}\n`);
  // Anything the implementation left behind (e.g. a timer) must not keep the run waiting.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
