import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createActor, createMachine } from 'xstate';
import { createTaskSupervisor } from '../../machines/index.js';
import { TaskSupport } from '../../src/index.js';
import type { TaskMachine } from '../../machines/index.js';
import { pool, settledHeap } from '../stats.js';
import { WireClient } from '../wireClient.js';
import type { Metrics } from './speed.js';

/**
 * The smallest task machine there is: one state, left for a final one on `cancel`. The floor is
 * what any task costs that is a live XState actor, whatever its machine does.
 */
const bareMachine = createMachine({
  id: 'bare',
  initial: 'running',
  states: { running: { on: { cancel: 'cancelled' } }, cancelled: { type: 'final' } },
});

const noop = (): void => {};
/** One reason for every abort: the cheapest abort there is (the library makes one per task). */
const REASON = new DOMException('This operation was aborted', 'AbortError');

/**
 * CPU µs per operation of `run` (process.cpuUsage ÷ count): user + system time of the whole
 * process. The heap is collected first, so a step pays for its own garbage and not for what the
 * workload before it left (one old-space collection of that heap doubled a step in a trial run).
 */
async function cpuPer(count: number, run: () => Promise<void> | void): Promise<number> {
  await settledHeap();
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / count;
}

/**
 * The design's floor, measured in the process and the heap of the scale rows (issue 14): what a
 * create and a cancel cost before any of this library's own work, for a server where every task is
 * a live XState actor under a supervisor and every work gets an `AbortSignal` it listens to.
 * - `floorRequestCpuUs`: one JSON-RPC request and its answer through the same kind of client and
 *   transport, to a server with TaskSupport enabled and no tools (concurrency 64; the fastest of
 *   five rounds of 10,000), served by TaskSupport's own request entry as its `tools/call` and
 *   `tasks/*` are (src/sdk/v1/DirectRequests.ts): a `tasks/list` that finds nothing, about the
 *   least any of them costs. `floorSdkRequestCpuUs`: a `ping` the same way, which the SDK's
 *   request entry serves (an `AbortController`, an extra and a promise chain per request).
 * - `floorActorStartCpuUs` / `floorActorStopCpuUs`: a bare actor (one state and a final one) made
 *   and started under the library's supervisor, then sent to its final state and retired. The
 *   supervisor keeps its children in a Map; a machine's own spawn copies all its children each
 *   time, which is no floor at 100,000.
 * - `floorSignalCpuUs` / `floorAbortCpuUs`: an `AbortController` whose signal has one `abort`
 *   listener (the work's), then its abort with one shared reason.
 *
 * The actors are all alive at once, as the scale row's tasks are, so each step pays the heap a
 * live count of that size brings.
 */
export async function designFloor(count: number): Promise<Metrics> {
  // A server of its own with no tools: the request crosses the SDK and the transport wrapper that
  // TaskSupport puts on every connection (which serves its own methods itself, and hands other
  // requests straight to the SDK's request entry, skipping the SDK's trial parses a bare server pays).
  // No rate limit on task operations (the scale rows' servers have none either): 50,000
  // `tasks/list` in a burst would be refused after the default burst of 2,000.
  const tasks = TaskSupport.inMemory({ limits: { taskOperationRate: Infinity } });
  const server = new McpServer({ name: 'bench-floor', version: '1.0.0' });
  tasks.enable(server);
  const wire = await WireClient.connect(server);
  const requests = Math.min(count, 10_000);
  // The fastest of five rounds: right after the scale workload the first rounds ran up to 1.5×
  // slower than the later ones (35.7, 31.1, 30.9, 23.9, 25.7 µs in a trial run), and a floor is
  // the least a request costs.
  const fastest = async (method: string): Promise<number> => {
    const rounds: number[] = [];
    for (let round = 0; round < 5; round++) rounds.push(await cpuPer(requests, () => pool(requests, 64, () => wire.request(method))));
    return Math.min(...rounds);
  };
  const floorRequestCpuUs = await fastest('tasks/list');
  const floorSdkRequestCpuUs = await fastest('ping');
  await wire.close();
  await tasks.close();
  // The supervisor's logic is typed for the task machine; it only creates, routes to and retires
  // actors of whatever machine it is given.
  const supervisor = createActor(createTaskSupervisor(bareMachine as unknown as TaskMachine));
  supervisor.start();
  const ids = Array.from({ length: count }, (_, i) => `floor-${i}`);
  const floorActorStartCpuUs = await cpuPer(count, () => {
    for (const taskId of ids) supervisor.send({ type: 'task.start', taskId });
  });
  const started = supervisor.getSnapshot().context.live;
  const floorActorStopCpuUs = await cpuPer(count, () => {
    for (const taskId of ids) supervisor.send({ type: 'task.send', taskId, event: { type: 'cancel' } });
  });
  const left = supervisor.getSnapshot().context.live;
  supervisor.stop();
  if (started !== count || left !== 0) throw new Error(`design floor: ${started} actors started, ${left} left of ${count}`);
  const controllers = new Array<AbortController>(count);
  const floorSignalCpuUs = await cpuPer(count, () => {
    for (let i = 0; i < count; i++) {
      const controller = new AbortController();
      controller.signal.addEventListener('abort', noop, { once: true });
      controllers[i] = controller;
    }
  });
  const floorAbortCpuUs = await cpuPer(count, () => {
    for (const controller of controllers) controller.abort(REASON);
  });
  return { floorRequestCpuUs, floorSdkRequestCpuUs, floorActorStartCpuUs, floorActorStopCpuUs, floorSignalCpuUs, floorAbortCpuUs };
}

/** A create's and a cancel's floor (CPU µs), from {@link designFloor}'s figures; undefined before they were measured. */
export function floorSums(m: Metrics | undefined): { create: number; cancel: number } | undefined {
  if (m?.floorRequestCpuUs === undefined) return undefined;
  // The cheaper of the two requests: in one trial run the empty tasks/list cost more than the ping
  // in the process that had just held 100,000 live tasks (21.1 against 18.6 µs) and less in the
  // SDK's (13.0 against 17.6), and a floor is the least a request costs there.
  const request = Math.min(m.floorRequestCpuUs, m.floorSdkRequestCpuUs ?? Infinity);
  return {
    create: request + m.floorActorStartCpuUs! + m.floorSignalCpuUs!,
    cancel: request + m.floorActorStopCpuUs! + m.floorAbortCpuUs!,
  };
}
