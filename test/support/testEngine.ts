import { vi } from 'vitest';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';

const opened: TaskEngine[] = [];

/**
 * A TaskEngine on in-memory backends (or the given ones), 60 s ttls, mocked limits and logger.
 * Call {@link closeTestEngines} after each test (`afterEach(closeTestEngines)`).
 */
export function testEngine(store = new InMemoryTaskRecordStore(), queue = new InMemoryTaskOutbox()) {
  const admit = vi.fn();
  const release = vi.fn();
  const logger = { warn: vi.fn(), error: vi.fn() };
  const engine = new TaskEngine(store, queue, { defaultTtl: 60_000, maxTtl: 60_000, pollInterval: 100, logger, admit, release });
  opened.push(engine);
  return { engine, store, queue, admit, release, logger };
}

/** Closes every engine {@link testEngine} made since the last call. */
export async function closeTestEngines(): Promise<void> {
  for (const engine of opened.splice(0)) await engine.close();
}
