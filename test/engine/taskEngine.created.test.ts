// TaskEngine tells a task's session `created` once the record is stored and before the work begins,
// so the session can hold its sends until the creating call's CreateTaskResult is on its way.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(closeTestEngines);

function setup(store = new InMemoryTaskRecordStore()) {
  return testEngine(store).engine;
}

function spec(log: string[], created: boolean): TaskSpec {
  return {
    owner: 'alice',
    session: {
      clientCapabilities: () => undefined,
      notify: () => Promise.resolve(true),
      statusChanged: () => Promise.resolve(),
      ...(created ? { created: () => void log.push('created') } : {}),
    },
    run: (): CallToolResult => {
      log.push('work');
      return { content: [] };
    },
  };
}

describe('TaskEngine: the session hears of a new task before its work begins', () => {
  it('calls created once, after the record is stored and before the work', async () => {
    const store = new InMemoryTaskRecordStore();
    const engine = setup(store);
    const log: string[] = [];
    const create = store.create.bind(store);
    store.create = async (record) => {
      log.push('stored');
      await create(record);
    };
    await engine.start(spec(log, true));
    expect(log).toEqual(['stored', 'created', 'work']);
  });

  it('starts tasks of a session without created as before', async () => {
    const engine = setup();
    const log: string[] = [];
    const record = await engine.start(spec(log, false));
    expect(log).toEqual(['work']);
    await vi.waitFor(async () => expect((await engine.get(record.taskId, 'alice')).status).toBe('completed'));
  });

  it('does not call created when the record cannot be stored', async () => {
    const store = new InMemoryTaskRecordStore();
    store.create = () => Promise.reject(new Error('store down'));
    const engine = setup(store);
    const log: string[] = [];
    await expect(engine.start(spec(log, true))).rejects.toThrow('store down');
    expect(log).toEqual([]);
  });

  it('tells the task’s session of a cancel only when the cancel came on another session', async () => {
    for (const by of ['own', 'other', 'unknown'] as const) {
      const engine = setup();
      const statuses: string[] = [];
      const session = {
        clientCapabilities: () => undefined,
        notify: () => Promise.resolve(true),
        statusChanged: (record: { status: string }) => Promise.resolve(void statuses.push(record.status)),
      };
      const other = { ...session };
      const record = await engine.start({ owner: 'alice', session, run: () => new Promise<CallToolResult>(() => {}) });
      const requestor = by === 'own' ? session : by === 'other' ? other : undefined;
      expect((await engine.cancel(record.taskId, 'alice', { reason: 'stop', requestor })).status).toBe('cancelled');
      expect(statuses, by).toEqual(by === 'own' ? [] : ['cancelled']);
    }
  });
});
