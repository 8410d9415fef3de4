import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';

function start() {
  const settled: unknown[] = [];
  const announced: unknown[] = [];
  const answered: unknown[] = [];
  let discarded = 0;
  const machine = taskMachine.provide({
    actions: {
      settle: (_, params) => void settled.push(params),
      announce: (_, params) => void announced.push(params),
      answer: (_, params) => void answered.push(params),
      discard: () => void discarded++,
    },
  });
  const actor = createActor(machine, { id: 't1' }).start();
  return { actor, settled, announced, answered, discards: () => discarded };
}

describe('task machine', () => {
  it('starts working with nothing awaited', () => {
    const { actor } = start();
    expect(actor.getSnapshot().value).toEqual({ running: 'working' });
    expect(actor.getSnapshot().context).toEqual({ waitingFor: [] });
  });

  it('has no invoked work actor: the engine runs the work and reports its end as events', () => {
    const { actor } = start();
    expect(Object.keys(actor.getSnapshot().children)).toEqual([]);
  });

  it('completes with the work output and settles it once', () => {
    const { actor, settled } = start();
    actor.send({ type: 'work.done', output: { content: [] } });
    actor.send({ type: 'work.done', output: { content: [] } });
    expect(actor.getSnapshot().value).toBe('completed');
    expect(actor.getSnapshot().status).toBe('done');
    expect(settled).toEqual([{ status: 'completed', output: { content: [] } }]);
  });

  it('fails when the work throws', () => {
    const { actor, settled } = start();
    const error = new Error('boom');
    actor.send({ type: 'work.error', error });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('cancels from working and ignores the late end of its work', () => {
    const { actor, settled } = start();
    actor.send({ type: 'cancel', reason: 'stop' });
    expect(actor.getSnapshot().value).toBe('cancelled');
    actor.send({ type: 'work.done', output: { content: [] } });
    actor.send({ type: 'work.error', error: new Error('aborted') });
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
    for (const [event, state, ending] of [
      [{ type: 'cancel' }, 'cancelled', { status: 'cancelled' }],
      [{ type: 'shutdown', reason: 'bye' }, 'failed', { status: 'failed', shutdown: 'bye' }],
      [{ type: 'expire' }, 'expired', undefined],
    ] as const) {
      const { actor, settled, discards } = start();
      actor.send({ type: 'input.request', requestId: 'a' });
      actor.send(event);
      expect(actor.getSnapshot().value).toBe(state);
      // settle/discard are where the engine aborts the work's signal.
      expect(settled).toEqual(ending ? [ending] : []);
      expect(discards()).toBe(ending ? 0 : 1);
      actor.send({ type: 'work.done', output: { content: [] } });
      expect(actor.getSnapshot().value).toBe(state);
    }
  });

  it('never leaves a terminal state', () => {
    const { actor, settled } = start();
    actor.send({ type: 'work.done', output: { content: [] } });
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
