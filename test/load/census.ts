import type { InMemoryTaskMessageQueue, InMemoryTaskStore, TaskSupport } from '../../src/index.js';

/**
 * Everything a finished workload could leave behind in one TaskSupport, counted where it lives.
 * Private members are read on purpose: a leak hides exactly where the public API does not look.
 */
export interface Census {
  /** Task actors under the supervisor. */
  actors: number;
  /** Tasks with live bookkeeping in the engine. */
  engineLive: number;
  /** Deadlines in the engine's expiry schedule. */
  expiryDeadlines: number;
  /** Tasks counted against the live-task limits, and callers with a count. */
  admitted: number;
  admittedCallers: number;
  /** Records in the in-memory store, and keys with `waitForTerminal` waiters. */
  storeRecords: number;
  storeWaiters: number;
  /** Tasks with queued messages or outstanding requests, and keys with `waitForMessage` waiters. */
  queueEntries: number;
  queueWaiters: number;
  /** `Timeout` handles alive in the process (Node's own count). */
  timers: number;
}

interface Internals {
  engine: { liveTaskCount: number; expiry: { size: number } };
  liveTasks: { size: number; callers: number };
}

/** Counts what `tasks` (on the in-memory store and queue) holds right now. */
export function census(tasks: TaskSupport): Census {
  const internals = tasks as unknown as Internals;
  const store = tasks.store as unknown as Pick<InMemoryTaskStore, 'size'> & { terminal: { size: number } };
  const queue = tasks.queue as unknown as Pick<InMemoryTaskMessageQueue, 'size'> & { waiters: { size: number } };
  return {
    actors: tasks.liveTaskActors,
    engineLive: internals.engine.liveTaskCount,
    expiryDeadlines: internals.engine.expiry.size,
    admitted: internals.liveTasks.size,
    admittedCallers: internals.liveTasks.callers,
    storeRecords: store.size,
    storeWaiters: store.terminal.size,
    queueEntries: queue.size,
    queueWaiters: queue.waiters.size,
    timers: activeTimers(),
  };
}

/** Number of live `Timeout` handles in this process. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/** The census of a TaskSupport with nothing left in it (timers excluded: the caller compares them). */
export const EMPTY: Omit<Census, 'timers'> = {
  actors: 0,
  engineLive: 0,
  expiryDeadlines: 0,
  admitted: 0,
  admittedCallers: 0,
  storeRecords: 0,
  storeWaiters: 0,
  queueEntries: 0,
  queueWaiters: 0,
};
