import { describe, expect, it } from 'vitest';
import { InMemoryTaskStore } from '../../src/index.js';
import type { TaskRecord } from '../../src/index.js';

// The in-memory store finds the page after a cursor by binary search over a per-owner array that
// only marks deletions and compacts later; these pin that it still pages exactly like a walk.

function record(taskId: string, owner: string): TaskRecord {
  const at = new Date(0).toISOString();
  return { taskId, owner, status: 'working', createdAt: at, lastUpdatedAt: at, ttl: 60_000, pollInterval: 1000 };
}

async function walk(store: InMemoryTaskStore, owner: string, limit: number, cursor?: string): Promise<string[]> {
  const seen: string[] = [];
  do {
    const page = await store.list(owner, cursor, limit);
    expect(page.tasks.length).toBeLessThanOrEqual(limit);
    seen.push(...page.tasks.map((t) => t.taskId));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return seen;
}

describe('InMemoryTaskStore.list', () => {
  it('pages every live task once, in creation order, across deletions and compactions', async () => {
    const store = new InMemoryTaskStore();
    const ids = Array.from({ length: 500 }, (_, i) => `t${i}`);
    for (const [i, id] of ids.entries()) await store.create(record(id, i % 5 === 0 ? 'other' : 'me'));
    // Deleting 3 of every 4 makes the dead entries the majority: the index compacts meanwhile.
    for (const [i, id] of ids.entries()) if (i % 4 !== 0) await store.delete(id);
    const expected = ids.filter((id, i) => i % 4 === 0 && i % 5 !== 0);
    expect(await walk(store, 'me', 7)).toEqual(expected);
    expect(await walk(store, 'other', 3)).toEqual(ids.filter((_, i) => i % 4 === 0 && i % 5 === 0));
  });

  it('keeps a cursor valid when the tasks around it are deleted and the index compacted', async () => {
    const store = new InMemoryTaskStore();
    const ids = Array.from({ length: 300 }, (_, i) => `t${i}`);
    for (const id of ids) await store.create(record(id, 'me'));
    const first = await store.list('me', undefined, 10);
    expect(first.tasks.map((t) => t.taskId)).toEqual(ids.slice(0, 10));
    // The page's last task and most of the rest go away before the cursor is used.
    for (const [i, id] of ids.entries()) if (i >= 9 && i % 3 !== 0) await store.delete(id);
    const rest = await walk(store, 'me', 10, first.nextCursor);
    expect(rest).toEqual(ids.filter((_, i) => i >= 10 && (i < 9 || i % 3 === 0)));
  });

  it('lists tasks created after a cursor was handed out, and nothing once all are gone', async () => {
    const store = new InMemoryTaskStore();
    for (let i = 0; i < 5; i++) await store.create(record(`a${i}`, 'me'));
    const page = await store.list('me', undefined, 5);
    expect(page.nextCursor).toBeUndefined();
    const more = await store.list('me', undefined, 4);
    for (let i = 0; i < 3; i++) await store.create(record(`b${i}`, 'me'));
    expect(await walk(store, 'me', 4, more.nextCursor)).toEqual(['a4', 'b0', 'b1', 'b2']);
    for (const id of ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']) await store.delete(id);
    expect((await store.list('me', undefined, 10)).tasks).toEqual([]);
  });
});
