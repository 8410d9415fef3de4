import type { PeekEnded, TaskRecordStore } from './TaskStore.js';

/**
 * The stores this library made itself (TaskSupport's in-memory store, the Redis backend's store),
 * each with its synchronous read of a terminal task. Keyed by the object: a proxy around one of
 * them, a subclass a user made, or any other store passed in is not in here, and is read through
 * its own `get` and `getOutcome`, whose answers it may change.
 */
const peeks = new WeakMap<TaskRecordStore, PeekEnded>();

/**
 * Marks `store` as made by this library, with `peek`: a terminal task's record and outcome when the
 * store holds both in this process, read without I/O, else undefined. The peek may forget what it
 * handed out (its caller answers with it). Returns the store.
 * @internal
 */
export function ownStore<T extends TaskRecordStore>(store: T, peek: PeekEnded): T {
  peeks.set(store, peek);
  return store;
}

/** The peek of a store this library made, undefined for any other. @internal */
export function peekOf(store: TaskRecordStore): PeekEnded | undefined {
  return peeks.get(store);
}
