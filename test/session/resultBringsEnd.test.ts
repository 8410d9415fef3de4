import { describe, expect, it } from 'vitest';
import { InMemoryTaskRecordStore } from '../../src/index.js';
import type { TaskRecord } from '../../src/index.js';
import { createTask, eventually, taskResult } from '../support/harness.js';
import { useJobSession } from '../support/session.js';

/**
 * An in-memory store whose reads of one task can be held, like a Redis round trip that a settle
 * finishes within: the window in which a `tasks/result` has arrived but not yet read the record.
 */
class HeldReads extends InMemoryTaskRecordStore {
  held: string | undefined;
  private release: (() => void) | undefined;
  private gate: Promise<void> = Promise.resolve();
  reading = 0;

  hold(taskId: string): void {
    this.held = taskId;
    this.reading = 0;
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.held = undefined;
    this.release?.();
  }

  override async get(taskId: string): Promise<TaskRecord | undefined> {
    if (taskId === this.held) {
      this.reading++;
      await this.gate;
    }
    return super.get(taskId);
  }
}

const store = new HeldReads();
// Anonymous: a second connection is the same caller, so it may read the task too.
const ctx = useJobSession({ store, unidentifiedCallers: 'anonymous' });

/** The statuses pushed to `notifications` for `taskId`, once a later task's end has been pushed. */
async function pushedFor(session: typeof ctx.session, taskId: string, marker: string): Promise<string[]> {
  const other = await createTask(ctx.session.client, 'job', { key: marker });
  (await ctx.jobs.get(marker)).finish();
  await eventually(() => session.notifications.some((n) => (n.params as { taskId?: string }).taskId === other.taskId));
  return session.notifications
    .filter((n) => (n.params as { taskId?: string }).taskId === taskId)
    .map((n) => (n.params as { status: string }).status);
}

describe('a tasks/result on its way brings the end (no status notification meanwhile)', () => {
  it('from the task’s own session: the end settled during its first read is answered, not pushed', async () => {
    const task = await createTask(ctx.session.client, 'job', { key: 'own' });
    const job = await ctx.jobs.get('own');
    store.hold(task.taskId);
    const result = taskResult(ctx.session.client, task.taskId);
    await eventually(() => store.reading === 1);
    job.finish();
    // The settle is stored (the store's entries are read past the held get) while the call still reads.
    await eventually(async () => (await InMemoryTaskRecordStore.prototype.get.call(store, task.taskId))?.status === 'completed');
    store.open();
    expect((await result).content).toEqual([{ type: 'text', text: 'done own' }]);
    expect(await pushedFor(ctx.session, task.taskId, 'own-marker')).toEqual([]);
  });

  it('from another session: the task’s own session is still told of the end', async () => {
    const other = await ctx.connect();
    // A task of its own first, so the other connection has a session of its own to compare.
    await createTask(other.client, 'quick', { text: 'mine' });
    const task = await createTask(ctx.session.client, 'job', { key: 'theirs' });
    const job = await ctx.jobs.get('theirs');
    store.hold(task.taskId);
    const result = taskResult(other.client, task.taskId);
    await eventually(() => store.reading === 1);
    job.finish();
    await eventually(() => ctx.session.notifications.some((n) => (n.params as { taskId?: string }).taskId === task.taskId));
    store.open();
    expect((await result).content).toEqual([{ type: 'text', text: 'done theirs' }]);
    expect(await pushedFor(ctx.session, task.taskId, 'theirs-marker')).toEqual(['completed']);
  });
});
