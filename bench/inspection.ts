/**
 * What inspection costs on the hot path: task lifecycles per second (task-augmented tools/call,
 * one status message, result via tasks/result) with a real SDK Client over the in-memory
 * transport, inspection off vs on, measured in the same run with the configurations interleaved
 * round by round, in many short rounds. Reports, for each configuration against "off":
 * - the best round (highest lifecycles/s, lowest CPU µs per lifecycle) — on a shared machine the
 *   best of many short rounds is the steadiest estimate of the intrinsic cost; medians are shown too;
 * - the time spent inside the inspection observer chain (TaskSupport's sanitizing wrapper and the
 *   observer behind it) per lifecycle, timed around every call: the direct price of "on".
 *
 *   node --expose-gc --import tsx bench/inspection.ts [--tasks 1000] [--rounds 15] [--concurrency 64] [--stately]
 *
 * Rounds rotate the order of the configurations and start after a forced GC (with --expose-gc),
 * so no configuration always runs first or pays for another's garbage.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { InspectionEvent, Observer } from 'xstate';
import { TaskSupport, sanitizeInspection } from '../src/index.js';
import type { TaskSupportOptions } from '../src/index.js';
import { startStatelyInspector } from '../src/inspect/index.js';
import { TaskBoard } from '../src/demo/liveView/taskBoard.js';
import { connectInMemory, createTask, taskResult } from '../test/support/harness.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '250' },
    rounds: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '64' },
    stately: { type: 'boolean', default: false },
  },
});
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

interface Config {
  name: string;
  /** Options for TaskSupport, and what to stop after the round. */
  setUp(): Promise<{ options: TaskSupportOptions; events(): number; observerMs(): number; stop(): Promise<void> }>;
}

/**
 * The observer XState gets: TaskSupport's default sanitizing wrapper (built here, so the timer
 * can sit around it; `sanitize: false` then stops TaskSupport from wrapping twice) in front of
 * `next`, with every call timed and counted.
 */
const timedDefault = (next?: (event: InspectionEvent) => void) => {
  let events = 0;
  let ms = 0;
  const sanitized = sanitizeInspection({ next: (event) => next?.(event) });
  const observer: Observer<InspectionEvent> = {
    next: (event) => {
      const start = performance.now();
      sanitized.next?.(event);
      ms += performance.now() - start;
      events++;
    },
  };
  return {
    options: { inspect: observer, sanitize: false as const },
    events: () => events,
    observerMs: () => ms,
  };
};

const configs: Config[] = [
  { name: 'off (no inspect)', setUp: async () => ({ options: {}, events: () => 0, observerMs: () => 0, stop: async () => {} }) },
  {
    name: 'on, default filter, no-op observer',
    setUp: async () => ({ ...timedDefault(), stop: async () => {} }),
  },
  {
    name: 'on, default filter, live view board',
    setUp: async () => {
      const board = new TaskBoard();
      return { ...timedDefault((event) => board.observer.next?.(event)), stop: async () => {} };
    },
  },
  {
    name: 'on, default filter, JSON of every event',
    setUp: async () => {
      let bytes = 0;
      const timed = timedDefault((event) => {
        const snapshot = 'snapshot' in event ? event.snapshot : event.actorRef.getSnapshot();
        bytes += JSON.stringify({ type: event.type, event: 'event' in event ? event.event : undefined, snapshot }).length;
      });
      return { ...timed, stop: async () => void bytes };
    },
  },
  {
    name: 'on, sanitize: false, no-op observer',
    setUp: async () => {
      let events = 0;
      let ms = 0;
      const observer: Observer<InspectionEvent> = {
        next: () => {
          const start = performance.now();
          events++;
          ms += performance.now() - start;
        },
      };
      return { options: { inspect: observer, sanitize: false }, events: () => events, observerMs: () => ms, stop: async () => {} };
    },
  },
];
if (values.stately) {
  configs.push({
    name: 'on, Stately WebSocket inspector + relay',
    setUp: async () => {
      const inspector = await startStatelyInspector({ port: 0 });
      // Its conversion and sending run later on a timer, outside the timed call.
      return { ...timedDefault((event) => inspector.inspect.next?.(event)), stop: () => inspector.stop() };
    },
  });
}

async function round(config: Config): Promise<{ perSecond: number; cpuMicros: number; observerMicros: number; eventsPerTask: number }> {
  const setup = await config.setUp();
  const tasks = TaskSupport.inMemory({
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
    limits: { taskCreationRate: Infinity, taskOperationRate: Infinity },
    ...setup.options,
  });
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'step', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
      await task.status(`step ${n}`);
      return { content: [{ type: 'text', text: `done ${n}` }] };
    }),
  );
  let next = 0;
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TASKS) {
        const n = next++;
        const task = await createTask(session.client, 'step', { n });
        await taskResult(session.client, task.taskId);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await session.close();
  await tasks.close();
  await setup.stop();
  return {
    perSecond: TASKS / seconds,
    cpuMicros: (used.user + used.system) / TASKS,
    observerMicros: (setup.observerMs() * 1000) / TASKS,
    eventsPerTask: setup.events() / TASKS,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

console.log(
  `node ${process.version}, ${TASKS} lifecycles per round, ${CONCURRENCY} concurrent, ${ROUNDS} rounds (+1 warm-up) per configuration, interleaved`,
);
for (const config of configs) await round(config); // warm-up: JIT, module loading
const results = new Map<string, { rates: number[]; cpu: number[]; observer: number[]; events: number }>(
  configs.map((c) => [c.name, { rates: [], cpu: [], observer: [], events: 0 }]),
);
for (let r = 0; r < ROUNDS; r++) {
  const order = configs.map((_, i) => configs[(i + r) % configs.length]!);
  for (const config of order) {
    const { perSecond, cpuMicros, observerMicros, eventsPerTask } = await round(config);
    const entry = results.get(config.name)!;
    entry.rates.push(perSecond);
    entry.cpu.push(cpuMicros);
    entry.observer.push(observerMicros);
    entry.events = eventsPerTask;
  }
}
const baseline = results.get(configs[0]!.name)!;
const baseBestRate = Math.max(...baseline.rates);
const baseMedianRate = median(baseline.rates);
const baseBestCpu = Math.min(...baseline.cpu);
const baseMedianCpu = median(baseline.cpu);
const ratio = (value: number, base: number): string => `x${(value / base).toFixed(2)}`;
console.log(
  'configuration                               best lifecycles/s   median lifecycles/s   best CPU µs/lc   median CPU µs/lc   in observer µs/lc   events/lc',
);
for (const [name, { rates, cpu, observer, events }] of results) {
  const bestRate = Math.max(...rates);
  const medianRate = median(rates);
  const bestCpu = Math.min(...cpu);
  const medianCpu = median(cpu);
  const inObserver = median(observer);
  console.log(
    `${name.padEnd(42)}  ${bestRate.toFixed(0).padStart(6)} ${ratio(bestRate, baseBestRate).padEnd(8)}    ` +
      `${medianRate.toFixed(0).padStart(6)} ${ratio(medianRate, baseMedianRate).padEnd(8)}      ` +
      `${bestCpu.toFixed(0).padStart(5)} ${ratio(bestCpu, baseBestCpu).padEnd(7)}   ${medianCpu.toFixed(0).padStart(5)} ${ratio(medianCpu, baseMedianCpu).padEnd(7)}    ` +
      `${inObserver.toFixed(1).padStart(6)} (${((inObserver / baseBestCpu) * 100).toFixed(1)}% of off's best CPU)   ${events.toFixed(0)}`,
  );
}

/**
 * The same observers, replaying a recorded inspection stream in a tight loop: CPU time per
 * lifecycle spent in the observer chain alone, best of many short rounds, so other processes on
 * the machine barely touch it. Each round builds a fresh chain (new actor-ref wrappers, a new
 * board), as a fresh set of actors would.
 */
async function replayCosts(): Promise<void> {
  const recorded: InspectionEvent[] = [];
  const tasks = TaskSupport.inMemory({
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
    limits: { taskCreationRate: Infinity, taskOperationRate: Infinity },
    inspect: (event) => void recorded.push(event),
    sanitize: false,
  });
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'step', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
      await task.status(`step ${n}`);
      return { content: [{ type: 'text', text: `done ${n}` }] };
    }),
  );
  const LIFECYCLES = 200;
  for (let n = 0; n < LIFECYCLES; n++) {
    const task = await createTask(session.client, 'step', { n });
    await taskResult(session.client, task.taskId);
  }
  await session.close();
  await tasks.close();

  const chains: { name: string; build(): Observer<InspectionEvent> }[] = [
    { name: 'sanitize: false, no-op observer', build: () => ({ next: () => {} }) },
    { name: 'default filter, no-op observer', build: () => sanitizeInspection(() => {}) },
    {
      name: 'default filter, live view board',
      build: () => {
        const board = new TaskBoard();
        return sanitizeInspection(board.observer);
      },
    },
    {
      name: 'default filter, JSON of every event',
      build: () =>
        sanitizeInspection((event) => {
          const snapshot = 'snapshot' in event ? event.snapshot : event.actorRef.getSnapshot();
          JSON.stringify({ type: event.type, event: 'event' in event ? event.event : undefined, snapshot });
        }),
    },
  ];
  console.log(
    `\nobserver chain alone, replaying ${recorded.length} recorded events of ${LIFECYCLES} lifecycles (${(recorded.length / LIFECYCLES).toFixed(0)} per lifecycle before the filter), best of 200 rounds:`,
  );
  for (const chain of chains) {
    let best = Infinity;
    for (let r = 0; r < 200; r++) {
      const observer = chain.build();
      const cpu = process.cpuUsage();
      for (const event of recorded) observer.next?.(event);
      const used = process.cpuUsage(cpu);
      best = Math.min(best, (used.user + used.system) / LIFECYCLES);
    }
    console.log(`  ${chain.name.padEnd(40)} ${best.toFixed(2).padStart(7)} µs CPU per lifecycle`);
  }
}
await replayCosts();
