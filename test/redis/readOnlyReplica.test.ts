/**
 * An instance whose Redis refuses writes but serves reads: pointed at a read-only replica (a
 * misconfiguration, or a master demoted in a failover), which answers every write with READONLY.
 * Writes fail with the store's -32603 and no Redis text; reads keep working. Before the fix a
 * `tasks/result` for a task that had ended never answered there: taking the task's (empty) queue
 * was a write, refused, and the call retried it until its client gave up. An empty queue is now
 * taken without a write.
 *
 * Own redis-server and replica, started here and stopped after the file.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { createTask, eventually, sleep, taskResult } from '../support/harness.js';
import { spawnOwnRedis, startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';
import { instance } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { rpcError } from '../support/session.js';
import { track } from '../support/until.js';

let master: RedisServer;
let replica: ChildProcess | undefined;
let replicaUrl = '';
/** The replica's own data dir: a full sync writes the master's snapshot there. */
let replicaDir = '';

beforeAll(async () => {
  master = await startRedisServer();
  replicaDir = mkdtempSync(join(tmpdir(), 'mta-replica-'));
  const dir = replicaDir;
  const started = await spawnOwnRedis((port) => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    ...['--replicaof', '127.0.0.1', String(master.port)],
  ]);
  replica = started.child;
  replicaUrl = `redis://127.0.0.1:${started.port}`;
  const probe = new Redis(replicaUrl, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  probe.on('error', () => {});
  try {
    await eventually(async () => /master_link_status:up/.test(await probe.info('replication').catch(() => '')), 10_000);
  } finally {
    probe.disconnect();
  }
}, 30_000);

afterAll(async () => {
  const running = replica;
  if (running && running.exitCode === null) {
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  }
  await master?.dispose();
  if (replicaDir) rmSync(replicaDir, { recursive: true, force: true });
});

it('answers reads, refuses writes with -32603, and answers tasks/result of ended and ending tasks', async () => {
  const opened: Instance[] = [];
  try {
    const a = await instance(master, 'a', 'ro:');
    opened.push(a);
    const r = await instance({ ...master, url: replicaUrl }, 'r', 'ro:');
    opened.push(r);
    const ended = await createTask(a.session.client, 'job', { key: 'ended' });
    (await a.jobs.get('ended')).finish({ content: [{ type: 'text', text: 'ended before' }] });
    const running = await createTask(a.session.client, 'job', { key: 'running' });
    const job = await a.jobs.get('running');
    const client = r.session.client;
    await eventually(async () => (await client.experimental.tasks.getTask(ended.taskId).catch(() => undefined))?.status === 'completed');

    // Writes: refused by the replica, told as the store's -32603, with no Redis text.
    const refused = await rpcError(createTask(client, 'quick', { text: 'x' }));
    expect([refused.code, refused.message]).toEqual([
      ErrorCode.InternalError,
      'MCP error -32603: Task store unavailable: create failed (details in the server log)',
    ]);
    expect(refused.message).not.toMatch(/READONLY/);
    // Reads: served.
    expect((await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId).sort()).toEqual([ended.taskId, running.taskId].sort());
    // tasks/result of an ended task, and of one that ends while the call waits.
    const result = await taskResult(client, ended.taskId, { signal: AbortSignal.timeout(3_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'ended before' }]);
    const waiting = track(taskResult(client, running.taskId, { signal: AbortSignal.timeout(5_000) }));
    await sleep(100);
    job.finish({ content: [{ type: 'text', text: 'ended while waited for' }] });
    const settled = await waiting.done;
    expect(settled).toEqual({ ok: true, value: expect.objectContaining({ content: [{ type: 'text', text: 'ended while waited for' }] }) });
  } finally {
    for (const { session, tasks, backend } of opened) {
      await session.close();
      await tasks.close();
      await backend.close();
    }
  }
}, 30_000);
