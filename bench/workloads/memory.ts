import type { BenchImpl } from '../impls/types.js';
import { pool, settledHeap, sleep } from '../stats.js';
import { WireClient } from '../wireClient.js';
import type { Metrics } from './speed.js';

export type MemoryState = 'working' | 'input' | 'retained';

const TOOL: Record<MemoryState, string> = { working: 'hang', input: 'ask', retained: 'instant' };
const STATUS: Record<MemoryState, string> = { working: 'working', input: 'input_required', retained: 'completed' };

/**
 * Heap bytes per task in one state, over `count` tasks: settled heap after creating them minus
 * settled heap before, divided by `count`. Everything the server keeps for a task counts (record,
 * result, actor, timers, queued messages); the bare wire client keeps nothing per task.
 */
export async function heapPerTask(impl: BenchImpl, state: MemoryState, count = 50_000): Promise<Metrics> {
  const wire = await WireClient.connect(impl.createSession());
  // Warm-up (JIT, lazily created maps) before the baseline; these tasks stay and are not counted.
  await pool(1_000, 64, (i) => wire.createTask(TOOL[state], i));
  await waitFor(() => impl.probes.parked >= (state === 'retained' ? 0 : 1_000));
  const ids: string[] = new Array<string>(count).fill('');
  const before = await settledHeap();
  await pool(count, 64, async (i) => {
    ids[i] = await wire.createTask(TOOL[state], 10_000 + i);
  });
  if (state !== 'retained') await waitFor(() => impl.probes.parked >= 1_000 + count);
  await waitForStatus(impl, ids, STATUS[state]);
  if (state === 'retained' && impl.liveActors) await waitFor(() => impl.liveActors!() === 0);
  const after = await settledHeap();
  return { tasks: count, bytesPerTask: (after - before) / count, heapMB: after / 2 ** 20 };
}

/** Waits (bounded) until every task has the status, so the heap is measured in that state. */
export async function waitForStatus(impl: BenchImpl, ids: readonly string[], status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < ids.length;) {
    if ((await impl.status(ids[i]!)) === status) {
      i++;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`task ${ids[i]} is ${await impl.status(ids[i]!)}, not ${status}`);
    await sleep(5);
  }
}

export async function waitFor(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('benchmark condition not reached in time');
    await sleep(5);
  }
}
