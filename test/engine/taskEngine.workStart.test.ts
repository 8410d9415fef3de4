// When a task's work begins: on the tick after `start` resolved, so the creating call's
// CreateTaskResult is handed to the transport before the work can run, end, or report a status;
// and not at all when the task ended (a cancel) before that tick.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import type { TaskRecord } from '../../src/types.js';

const engines: TaskEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

function setup() {
  const engine = new TaskEngine(new InMemoryTaskRecordStore(), new InMemoryTaskOutbox(), {
    defaultTtl: 60_000,
    maxTtl: 60_000,
    pollInterval: 100,
    logger: { warn: vi.fn(), error: vi.fn() },
    admit: vi.fn(),
    release: vi.fn(),
  });
  engines.push(engine);
  return engine;
}

/** A spec that logs its work's start and each status pushed to its session into `log`. */
function spec(log: string[], run: () => CallToolResult | Promise<CallToolResult>): TaskSpec {
  return {
    owner: 'alice',
    session: {
      clientCapabilities: () => undefined,
      notify: () => Promise.resolve(true),
      statusChanged: (record: TaskRecord) => {
        log.push(`status ${record.status}`);
        return Promise.resolve();
      },
    },
    run: () => {
      log.push('work');
      return run();
    },
  };
}

describe('TaskEngine: when the work starts', () => {
  it('runs an instant work only after the microtasks that follow start(), so its end is pushed after the handle', async () => {
    const engine = setup();
    const log: string[] = [];
    // What a tools/call handler does: start the task, then the SDK sends its response a few
    // microtasks later (modelled by the chain below, with no timer or I/O in it).
    const handed = engine
      .start(spec(log, () => ({ content: [] })))
      .then((record) => Promise.resolve(record))
      .then((record) => Promise.resolve(record))
      .then((record) => {
        log.push('handle sent');
        return record;
      });
    const record = await handed;
    await vi.waitFor(() => expect(log).toContain('status completed'));
    expect(log).toEqual(['handle sent', 'work', 'status completed']);
    expect((await engine.get(record.taskId, 'alice')).status).toBe('completed');
  });

  it('does not hold up start() for a work whose synchronous part is long', async () => {
    const engine = setup();
    const log: string[] = [];
    const record = await engine.start(
      spec(log, () => {
        const until = Date.now() + 30;
        while (Date.now() < until);
        return { content: [] };
      }),
    );
    // start() resolved with the record, and the work has not run yet.
    expect(log).toEqual([]);
    expect(record.status).toBe('working');
    await vi.waitFor(() => expect(log).toEqual(['work', 'status completed']));
  });

  it('never runs the work of a task cancelled before its work began', async () => {
    const engine = setup();
    const log: string[] = [];
    const record = await engine.start(spec(log, () => ({ content: [] })));
    const cancelled = await engine.cancel(record.taskId, 'alice');
    expect(cancelled.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(['status cancelled']);
    expect(engine.liveTaskCount).toBe(0);
    expect(engine.liveActorCount).toBe(0);
  });
});
