// The `task.start` event an inspector sees names the task's tool (the live view lists tasks by it):
// the spec's own tool, or, for a task started from its restart record alone, the tool it restarts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyEventObject, InspectionEvent } from 'xstate';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskOutbox } from '../../src/backends/InMemoryTaskMessageQueue.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import { TaskEngine } from '../../src/engine/TaskEngine.js';
import type { TaskSession } from '../../src/engine/TaskEngine.js';

const engines: TaskEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

const logger = { warn: vi.fn(), error: vi.fn() };
const session: TaskSession = { statusChanged: async () => {}, clientCapabilities: () => undefined, notify: async () => true };
const done: CallToolResult = { content: [{ type: 'text', text: 'done' }] };

function inspected(): { engine: TaskEngine; starts: AnyEventObject[] } {
  const starts: AnyEventObject[] = [];
  const inspect = (e: InspectionEvent): void => {
    if (e.type === '@xstate.event' && e.event.type === 'task.start') starts.push(e.event);
  };
  const options = { defaultTtl: 60_000, maxTtl: 60_000, pollInterval: 100, logger, admit: vi.fn(), release: vi.fn(), inspect };
  const engine = new TaskEngine(new InMemoryTaskRecordStore(), new InMemoryTaskOutbox(), options);
  engines.push(engine);
  return { engine, starts };
}

describe("TaskEngine's task.start event", () => {
  it("carries the spec's tool", async () => {
    const { engine, starts } = inspected();
    const record = await engine.start({ owner: 'alice', tool: 'instant', session, run: () => done });
    expect(starts).toEqual([{ type: 'task.start', taskId: record.taskId, tool: 'instant' }]);
  });

  it("carries the restart record's tool when the spec names none", async () => {
    const { engine, starts } = inspected();
    const restart = { tool: 'resumable', args: {} };
    const record = await engine.start({ owner: 'alice', session, restart, run: () => done });
    expect(starts).toEqual([{ type: 'task.start', taskId: record.taskId, tool: 'resumable' }]);
  });

  it('has no tool when neither names one', async () => {
    const { engine, starts } = inspected();
    const record = await engine.start({ owner: 'alice', session, run: () => done });
    expect(starts).toEqual([{ type: 'task.start', taskId: record.taskId }]);
  });
});
