import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, LIMIT_EXCEEDED, TASKS_EXTENSION_ID, TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';
import { RateLimiter } from '../../src/engine/RateLimiter.js';
import { resolveRate } from '../../src/engine/limits.js';
import { connectInMemory, createTask, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';
import { rpcError } from '../support/session.js';

// Issue 12, item 7: "receivers SHOULD implement rate limiting on task operations" (2025-11-25).
// A token bucket per caller on task creation and on tasks/* (both protocols), -32029 with
// data.retryAfterMs. Rates here are 1/s so that no token refills while a test runs its calls.

const open: { tasks: TaskSupport[]; sessions: Session[] } = { tasks: [], sessions: [] };
afterEach(async () => {
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

async function setUp(options: TaskSupportOptions) {
  const tasks = testTaskSupport(options);
  open.tasks.push(tasks);
  const jobs = new Jobs();
  const connect = async () => {
    const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    open.sessions.push(session);
    return session.client;
  };
  return { tasks, jobs, connect };
}

const EXTENSION_META = { _meta: { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } } };

/** A request as a 2026-style client that declared the tasks extension sends it. */
function extension(client: Client, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return client.request({ method, params: { ...params, ...EXTENSION_META } }, z.looseObject({}));
}

async function refused(promise: Promise<unknown>, limit: string) {
  const error = await rpcError(promise);
  expect(error.code).toBe(LIMIT_EXCEEDED);
  expect(error.data).toMatchObject({ limit, max: 1 });
  const retryAfterMs = (error.data as { retryAfterMs: number }).retryAfterMs;
  expect(retryAfterMs).toBeGreaterThan(0);
  expect(retryAfterMs).toBeLessThanOrEqual(1000);
  expect(error.message).toMatch(new RegExp(`\\(${limit} 1/s, burst \\d+\\); retry in ${retryAfterMs} ms`));
  return retryAfterMs;
}

describe('rate limits', () => {
  it('refuses task creations beyond the caller’s bucket on both protocols, other callers and plain calls unaffected', async () => {
    const { connect } = await setUp({ limits: { taskCreationRate: { perSecond: 1, burst: 3 } } });
    const alice = await connect();
    const bob = await connect();
    await createTask(alice, 'quick', { text: '1' });
    await createTask(alice, 'quick', { text: '2' });
    await extension(alice, 'tools/call', { name: 'quick', arguments: { text: '3' } });
    const retryAfterMs = await refused(createTask(alice, 'quick', { text: '4' }), 'taskCreationRate');
    await refused(extension(alice, 'tools/call', { name: 'forever', arguments: { key: 'x' } }), 'taskCreationRate');
    // A refused call created nothing (the extension's task is Alice's too).
    expect((await alice.experimental.tasks.listTasks()).tasks).toHaveLength(3);
    // Bob has a bucket of his own; plain tools/call is not a task creation.
    await createTask(bob, 'quick', { text: 'b' });
    expect(await alice.callTool({ name: 'plain', arguments: { text: 'p' } })).toMatchObject({ content: [{ text: 'plain p' }] });
    // After retryAfterMs the same call goes through.
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    await createTask(alice, 'quick', { text: '5' });
  });

  it('refuses tasks/* requests beyond the caller’s bucket, 2025-11-25 and extension methods drawing from one bucket', async () => {
    const { connect } = await setUp({ limits: { taskOperationRate: { perSecond: 1, burst: 5 } } });
    const alice = await connect();
    const bob = await connect();
    const mine = await createTask(alice, 'job', { key: 'a' });
    const theirs = await createTask(bob, 'job', { key: 'b' });
    const ext = await extension(alice, 'tools/call', { name: 'forever', arguments: { key: 'e' } });
    const extId = ext['taskId'] as string;
    await alice.experimental.tasks.getTask(mine.taskId);
    await alice.experimental.tasks.listTasks();
    await extension(alice, 'tasks/get', { taskId: extId });
    await extension(alice, 'tasks/update', { taskId: extId, inputResponses: {} });
    await extension(alice, 'tasks/cancel', { taskId: extId });
    await refused(alice.experimental.tasks.getTask(mine.taskId), 'taskOperationRate');
    await refused(taskResult(alice, mine.taskId), 'taskOperationRate');
    await refused(alice.experimental.tasks.cancelTask(mine.taskId), 'taskOperationRate');
    await refused(alice.experimental.tasks.listTasks(), 'taskOperationRate');
    await refused(extension(alice, 'tasks/get', { taskId: extId }), 'taskOperationRate');
    // A malformed request costs a token too, and is refused before its params are read.
    await refused(alice.request({ method: 'tasks/get', params: {} }, z.looseObject({})), 'taskOperationRate');
    // The refused cancel did nothing; Bob's bucket is his own.
    expect((await bob.experimental.tasks.getTask(theirs.taskId)).status).toBe('working');
    const waited = await refused(alice.experimental.tasks.getTask(mine.taskId), 'taskOperationRate');
    await new Promise((resolve) => setTimeout(resolve, waited));
    expect((await alice.experimental.tasks.getTask(mine.taskId)).status).toBe('working');
  });

  it('counts anonymous callers as one caller, whatever their connection', async () => {
    const { connect } = await setUp({ unidentifiedCallers: 'anonymous', limits: { taskCreationRate: { perSecond: 1, burst: 2 } } });
    const one = await connect();
    const two = await connect();
    await createTask(one, 'quick', { text: '1' });
    await createTask(two, 'quick', { text: '2' });
    await refused(createTask(two, 'quick', { text: '3' }), 'taskCreationRate');
    await refused(createTask(one, 'quick', { text: '4' }), 'taskCreationRate');
  });

  it('is on by default, and validates its options at construction', () => {
    expect(resolveRate('taskCreationRate', 20)).toEqual({ perSecond: 20, burst: 20 });
    expect(new RateLimiter('taskOperationRate', resolveRate('taskOperationRate', Infinity)).enabled).toBe(false);
    for (const bad of [0, -1, Number.NaN, { perSecond: 1, burst: 0.5 }, { perSecond: 0, burst: 5 }]) {
      expect(() => TaskSupport.inMemory({ limits: { taskCreationRate: bad } })).toThrow(RangeError);
      expect(() => TaskSupport.inMemory({ limits: { taskOperationRate: bad } })).toThrow(RangeError);
    }
  });
});

describe('RateLimiter', () => {
  it('refills at perSecond up to burst and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter('taskCreationRate', { perSecond: 4, burst: 2 }, () => now);
    expect([limiter.tryTake('a'), limiter.tryTake('a')]).toEqual([0, 0]);
    expect(limiter.tryTake('a')).toBe(250);
    now = 100;
    expect(limiter.tryTake('a')).toBe(150);
    now = 250;
    expect(limiter.tryTake('a')).toBe(0);
    now = 10_000;
    expect([limiter.tryTake('a'), limiter.tryTake('a'), limiter.tryTake('a')]).toEqual([0, 0, 250]);
  });

  it('forgets idle callers: buckets do not pile up with the callers seen', () => {
    let now = 0;
    const limiter = new RateLimiter('taskOperationRate', { perSecond: 10, burst: 20 }, () => now);
    for (let i = 0; i < 10_000; i++) limiter.tryTake(`session-${i}`);
    expect(limiter.size).toBe(10_000);
    // Two seconds later every one of those buckets is full again: the same as no bucket.
    now = 2_000;
    limiter.tryTake('new');
    expect(limiter.size).toBe(1);
    // A caller still drawing is kept at the next sweep, and keeps its debt.
    for (let i = 0; i < 20; i++) limiter.tryTake('busy');
    now = 3_500;
    for (let i = 0; i < 15; i++) expect(limiter.tryTake('busy')).toBe(0);
    now = 4_000;
    limiter.tryTake('other');
    expect(limiter.size).toBe(2);
    for (let i = 0; i < 5; i++) expect(limiter.tryTake('busy')).toBe(0);
    expect(limiter.tryTake('busy')).toBe(100);
  });
});
