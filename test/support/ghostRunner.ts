import type { TaskRecordStore } from '../../src/backends/TaskStore.js';

/**
 * Tasks run by "ghost": an instance whose lease stays live (set straight in Redis by `writer`, an
 * hour ahead) while nothing of it listens on its command channel. What a runner looks like to a
 * sender while its subscriber is gone for good: the tests of how long `RedisTaskCluster.send`
 * keeps trying (one Redis and a cluster).
 */
export async function ghostRunTasks(
  store: Pick<TaskRecordStore, 'create'>,
  writer: { hset(key: string, field: string, value: string): Promise<unknown> },
  prefix: string,
  ids: readonly string[],
): Promise<void> {
  const now = new Date().toISOString();
  for (const taskId of ids) {
    await store.create({
      taskId,
      owner: 'alice',
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      ttl: 60_000,
      pollInterval: 100,
      runner: 'ghost',
    });
    await writer.hset(`${prefix}{${taskId}}:task`, 'leaseUntil', String(Date.now() + 60_000));
  }
}

/** An answer to an elicitation, as a cluster command. */
export const DECLINE_ANSWER = { type: 'answer' as const, requestId: 'r1', answer: { result: { action: 'decline' } } };
