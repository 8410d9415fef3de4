import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { deferred } from '../support/harness.js';

function start() {
  const work = deferred<unknown>();
  const settled: unknown[] = [];
  const announced: unknown[] = [];
  const answered: unknown[] = [];
  let aborted = false;
  const machine = taskMachine.provide({
    actors: {
      work: fromPromise(({ signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        return work.promise;
      }),
    },
    actions: {
      settle: (_, params) => void settled.push(params),
      announce: (_, params) => void announced.push(params),
      answer: (_, params) => void answered.push(params),
    },
  });
  const actor = createActor(machine, { input: { taskId: 't1' } }).start();
  return { actor, work, settled, announced, answered, isAborted: () => aborted };
}

describe('task machine', () => {
  it('starts working with nothing awaited', () => {
    const { actor } = start();
    expect(actor.getSnapshot().value).toEqual({ running: 'working' });
    expect(actor.getSnapshot().context).toEqual({ taskId: 't1', waitingFor: [] });
  });

  it('completes with the work output and settles it once', async () => {
    const { actor, work, settled } = start();
    work.resolve({ content: [] });
    await new Promise((r) => setTimeout(r, 0));
    expect(actor.getSnapshot().value).toBe('completed');
    expect(actor.getSnapshot().status).toBe('done');
    expect(settled).toEqual([{ status: 'completed', output: { content: [] } }]);
  });

  it('fails when the work throws', async () => {
    const { actor, work, settled } = start();
    const error = new Error('boom');
    work.reject(error);
    await new Promise((r) => setTimeout(r, 0));
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('cancels from working, aborts the work and ignores its late result', async () => {
    const { actor, work, settled, isAborted } = start();
    actor.send({ type: 'cancel', reason: 'stop' });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(isAborted()).toBe(true);
    work.resolve({ content: [] });
    await new Promise((r) => setTimeout(r, 0));
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(settled).toEqual([{ status: 'cancelled', reason: 'stop' }]);
  });

  it('goes to input_required on a request and back to working on the last answer', () => {
    const { actor, announced, answered } = start();
    actor.send({ type: 'input.request', requestId: 'a' });
    actor.send({ type: 'input.request', requestId: 'b' });
    expect(actor.getSnapshot().value).toEqual({ running: 'input_required' });
    actor.send({ type: 'input.response', requestId: 'b', result: 1 });
    expect(actor.getSnapshot().value).toEqual({ running: 'input_required' });
    actor.send({ type: 'input.error', requestId: 'a', error: 'no' });
    expect(actor.getSnapshot().value).toEqual({ running: 'working' });
    expect(answered).toEqual([
      { requestId: 'b', result: 1 },
      { requestId: 'a', error: 'no' },
    ]);
    expect(announced).toEqual([{ status: 'input_required', message: 'Waiting for input' }, { status: 'working' }]);
  });

  it('ignores an answer to a request it does not wait for', () => {
    const { actor, answered } = start();
    actor.send({ type: 'input.request', requestId: 'a' });
    actor.send({ type: 'input.response', requestId: 'zzz', result: 1 });
    expect(actor.getSnapshot().value).toEqual({ running: 'input_required' });
    expect(answered).toEqual([]);
  });

  it('can be cancelled, shut down or expired while waiting for input', () => {
    for (const [event, state] of [
      [{ type: 'cancel' }, 'cancelled'],
      [{ type: 'shutdown', reason: 'bye' }, 'failed'],
      [{ type: 'expire' }, 'expired'],
    ] as const) {
      const { actor, isAborted } = start();
      actor.send({ type: 'input.request', requestId: 'a' });
      actor.send(event);
      expect(actor.getSnapshot().value).toBe(state);
      expect(isAborted()).toBe(true);
    }
  });

  it('never leaves a terminal state', async () => {
    const { actor, work, settled } = start();
    work.resolve({ content: [] });
    await new Promise((r) => setTimeout(r, 0));
    actor.send({ type: 'cancel' });
    actor.send({ type: 'work.status', message: 'late' });
    expect(actor.getSnapshot().value).toBe('completed');
    expect(settled).toHaveLength(1);
  });

  it('publishes status messages in working and input_required', () => {
    const { actor, announced } = start();
    actor.send({ type: 'work.status', message: 'one' });
    actor.send({ type: 'input.request', requestId: 'a' });
    actor.send({ type: 'work.status', message: 'two' });
    expect(announced).toEqual([
      { status: 'working', message: 'one' },
      { status: 'input_required', message: 'Waiting for input' },
      { status: 'input_required', message: 'two' },
    ]);
  });
});
