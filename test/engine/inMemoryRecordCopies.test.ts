import { describe, expect, it } from 'vitest';
import { InMemoryTaskRecordStore } from '../../src/backends/InMemoryTaskStore.js';
import type { TaskRecord } from '../../src/types.js';

// The in-memory store copies the records the engine makes field by field (issue 14: the key-by-key
// copy of every write was 4 % of a cancel); any other record keeps the key-by-key copy. Either way
// a write changes status, time and message only, and every record handed out is a copy.

const base = (taskId: string): TaskRecord => ({
  taskId,
  owner: 'o',
  status: 'working',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:00.000Z',
  ttl: 60_000,
  pollInterval: 100,
});
const outcome = { type: 'result' as const, result: { content: [] } };

describe('InMemoryTaskRecordStore record copies', () => {
  it.each([
    ['a record as the engine makes it', base('a')],
    ['with a runner and a restart', { ...base('b'), runner: 'r1', restart: { tool: 't', args: { n: 1 } } }],
    ['with a status message from the start', { ...base('c'), statusMessage: 'waiting for a worker' }],
    ['with a key TaskRecord does not have', { ...base('d'), extra: 42 } as TaskRecord],
    ['with an optional key set to undefined', { ...base('e'), runner: undefined }],
  ])('keeps every other field of %s through updates and the settle', async (_, record) => {
    const store = new InMemoryTaskRecordStore();
    await store.create(record);
    const created = await store.get(record.taskId);
    expect(created).toStrictEqual(record);
    expect(Object.keys(created!).sort()).toEqual(Object.keys(record).sort());

    const { statusMessage: _dropped, ...rest } = record;
    const asked = await store.update(record.taskId, 'input_required', 'Waiting for input', record.runner);
    expect(asked).toStrictEqual({
      ...rest,
      status: 'input_required',
      statusMessage: 'Waiting for input',
      lastUpdatedAt: asked!.lastUpdatedAt,
    });
    const working = await store.update(record.taskId, 'working', undefined, record.runner);
    expect(working).toStrictEqual({ ...rest, status: 'working', lastUpdatedAt: working!.lastUpdatedAt });
    expect('statusMessage' in working!).toBe(false);
    const settled = await store.settle(record.taskId, 'cancelled', 'Cancelled by the client', outcome, record.runner);
    expect(settled).toStrictEqual({
      ...rest,
      status: 'cancelled',
      statusMessage: 'Cancelled by the client',
      lastUpdatedAt: settled!.lastUpdatedAt,
    });
    expect(await store.get(record.taskId)).toStrictEqual(settled);
    expect((await store.list('o', undefined, 10)).tasks).toStrictEqual([settled]);
    expect(await store.getOutcome(record.taskId)).toBe(outcome);
    expect(Number.isNaN(Date.parse(settled!.lastUpdatedAt))).toBe(false);
  });

  it('hands out copies: changing one changes neither the stored record nor the next copy', async () => {
    const store = new InMemoryTaskRecordStore();
    const record = base('a');
    await store.create(record);
    record.status = 'failed';
    const first = (await store.get('a'))!;
    first.status = 'completed';
    first.statusMessage = 'changed by a caller';
    const settled = (await store.settle('a', 'cancelled', undefined, outcome))!;
    settled.owner = 'someone else';
    const listed = (await store.list('o', undefined, 10)).tasks[0]!;
    listed.ttl = 1;
    expect(await store.get('a')).toStrictEqual({ ...base('a'), status: 'cancelled', lastUpdatedAt: settled.lastUpdatedAt });
  });

  it('has no outcome before the settle, and refuses a second settle and a runner it does not know', async () => {
    const store = new InMemoryTaskRecordStore();
    await store.create({ ...base('a'), runner: 'r1' });
    expect(await store.getOutcome('a')).toBeUndefined();
    expect(await store.settle('a', 'completed', undefined, outcome, 'r2')).toBeUndefined();
    expect(await store.settle('a', 'completed', undefined, outcome, 'r1')).toMatchObject({ status: 'completed' });
    expect(await store.settle('a', 'failed', undefined, outcome, 'r1')).toBeUndefined();
  });
});
