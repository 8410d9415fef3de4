import { InMemoryTaskRecordStore } from './InMemoryTaskStore.js';
import { ownStore } from './ownStores.js';

/** The in-memory store TaskSupport makes when none is given: its own, so its terminal tasks are read at once. @internal */
export function inMemoryStore(): InMemoryTaskRecordStore {
  const store = new InMemoryTaskRecordStore();
  return ownStore(store, (taskId) => store.peekEnded(taskId));
}
