import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallToolResultSchema, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '../../src/index.js';
import { census } from '../load/census.js';
import { ElicitationDesk } from '../support/elicitationDesk.js';
import { connectInMemory, createTask, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { ScriptedWork } from '../support/scriptedWork.js';
import { drain, track, until } from '../support/until.js';

/*
 * `tasks/result` must sleep on events (a message queued, the task settled), never on a timer. The
 * timing test in tasksResult.test.ts cannot tell an event from a fast poll; this one can: the
 * clock is faked and never advanced, so a wake that needs a timer never comes, and every timer
 * armed while the call waits is accounted for.
 *
 * Only setTimeout/setInterval are faked: the SDK's in-memory transport, xstate and the engine's
 * promise chains run on microtasks and setImmediate, which stay real (`until`/`drain` yield on
 * setImmediate for that reason). Memory project only: ioredis needs real timers.
 */

const TTL = 60_000;
/** The client's own deadline for the tasks/result request: an odd value, so its timer is recognisable. */
const CLIENT_TIMEOUT = 987_654;
/**
 * Deadline of each store and queue call (`storeTimeout`): armed when the call starts and cleared
 * when it returns, so none may still be pending while the call sleeps. Odd, to be recognisable.
 */
const STORE_DEADLINE = 4_321;
const DONE = { content: [{ type: 'text' as const, text: 'finished without a tick' }] };

/** Records the delay of every setTimeout/setInterval armed from now on (the fake ones, called through). */
function recordTimers(): { armed(): number[]; stop(): void } {
  const spies = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
  return {
    armed: () => spies.flatMap((spy) => spy.mock.calls.map((call) => Number(call[1] ?? 0))),
    stop: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** Armed delays other than the store and queue call deadlines. */
function serverTimers(timers: { armed(): number[] }): number[] {
  return timers.armed().filter((delay) => delay !== STORE_DEADLINE);
}

let tasks: TaskSupport;
let session: Session;
let work: ScriptedWork;
let desk: ElicitationDesk;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  tasks = testTaskSupport({ storeTimeout: STORE_DEADLINE });
  work = new ScriptedWork();
  session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'scripted', { taskSupport: 'required' }, work.run));
  desk = new ElicitationDesk(session.client);
});

afterEach(async () => {
  vi.restoreAllMocks();
  desk.releaseAll();
  await session.close();
  await tasks.close();
  vi.useRealTimers();
});

describe('tasks/result is event-driven', () => {
  it('with the clock never advanced, wakes for a queued request and for the settle, and arms no timer while it waits', async () => {
    const clockAtStart = vi.getTimerCount();
    const task = await createTask(session.client, 'scripted', {}, TTL);
    await work.started.promise;
    await drain();
    // At rest, one timer is expected: the engine's single expiry timer for the task's ttl (the
    // client's tools/call deadline was cleared when the call was answered).
    const atRest = vi.getTimerCount();
    expect(atRest - clockAtStart, 'timers armed by creating one task').toBe(1);

    const timers = recordTimers();
    const result = track(
      session.client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema, {
        timeout: CLIENT_TIMEOUT,
      }),
    );
    await until(
      () => census(tasks).storeWaiters === 1 && census(tasks).queueWaiters === 1,
      'tasks/result to wait on the store and the queue',
    );
    await drain();
    expect(result.settled, 'tasks/result waits while the task works').toBeUndefined();
    // Armed since the call was sent: the SDK client's deadline for its own request, and the
    // deadlines of the store and queue calls the handler made; nothing else (a poll or a wake-up
    // timer would show here). Pending now: the ttl's timer and the client's deadline, no more.
    expect(serverTimers(timers), 'timers armed since tasks/result was sent').toEqual([CLIENT_TIMEOUT]);
    expect(vi.getTimerCount(), 'timers pending while tasks/result waits').toBe(atRest + 1);

    // A request queued by the work wakes the waiting call at once: it reaches the client.
    await work.do({ kind: 'elicit', key: 'ask' });
    await until(() => desk.has('ask'), 'the queued elicitation to reach the client with the clock standing still');
    expect(desk.received.map((r) => r.taskId)).toEqual([task.taskId]);
    desk.accept('ask', { answer: 'yes' });
    await until(() => work.elicitations.get('ask')?.settled !== undefined, 'the answer to reach the work');
    await until(() => census(tasks).storeWaiters === 1 && census(tasks).queueWaiters === 1, 'tasks/result to wait again');
    await drain();
    expect(result.settled).toBeUndefined();
    expect(serverTimers(timers), 'no other timer armed while waiting again').toEqual([CLIENT_TIMEOUT]);
    expect(vi.getTimerCount()).toBe(atRest + 1);

    // The work finishes: the settle wakes the call, and it answers without any timer firing.
    await work.do({ kind: 'return', result: DONE });
    await until(() => result.settled !== undefined, 'tasks/result to answer with the clock standing still');
    expect(result.settled).toEqual({ ok: true, value: { ...DONE, _meta: { [RELATED_TASK_META_KEY]: { taskId: task.taskId } } } });
    timers.stop();
    // The client's deadline is cleared with the answer; the ttl's expiry timer stays.
    expect(vi.getTimerCount(), 'timers left once answered').toBe(atRest);
  });

  it('woken by the settle, answers from the stored outcome without reading the record again', async () => {
    const task = await createTask(session.client, 'scripted', {}, TTL);
    await work.started.promise;
    const result = track(session.client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema));
    await until(() => census(tasks).storeWaiters === 1 && census(tasks).queueWaiters === 1, 'tasks/result to wait');
    await drain();
    const reads = vi.spyOn(tasks.store, 'get');
    const outcomes = vi.spyOn(tasks.store, 'getOutcome');
    await work.do({ kind: 'return', result: DONE });
    await until(() => result.settled !== undefined, 'tasks/result to answer');
    expect(result.settled).toMatchObject({ value: { content: DONE.content } });
    // The settle stores the outcome with the status: reading it is the proof of the end.
    expect(reads).not.toHaveBeenCalled();
    expect(outcomes).toHaveBeenCalledTimes(1);
  });
});
