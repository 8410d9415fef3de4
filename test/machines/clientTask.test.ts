import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import type { ClientTaskMachineEvent, ClientTaskSettleParams, ClientTaskSnapshot } from '../../machines/clientTask.js';

function start(...events: ClientTaskMachineEvent[]) {
  const settled: ClientTaskSettleParams[] = [];
  const remoteCancels: string[] = [];
  const clock = new SimulatedClock();
  const machine = clientTaskMachine.provide({
    actions: {
      settle: (_, params) => void settled.push(params),
      cancelRemote: (_, params) => void remoteCancels.push(params.reason),
    },
    actors: { result: fromPromise(() => new Promise<never>(() => {})) },
  });
  const actor = createActor(machine, { input: { defaultPollInterval: 1000 }, clock }).start();
  for (const event of events) actor.send(event);
  return { actor, settled, remoteCancels, clock };
}

const task = (status: ClientTaskSnapshot['status'], ttl: number | null = 60_000): ClientTaskSnapshot => ({ taskId: 'c1', status, ttl });

describe('client task machine', () => {
  it.each([
    // The client's task is cancelled remotely only while it runs there.
    ['requested', [], []],
    ['working', [{ type: 'created', task: task('working') }], ['Cancelled']],
    ['input_required', [{ type: 'created', task: task('input_required') }], ['Cancelled']],
    ['retrieving', [{ type: 'created', task: task('completed') }], []],
  ] as [string, ClientTaskMachineEvent[], string[]][])('names a cancel without a reason "Cancelled" (%s)', (_state, events, remote) => {
    const { actor, settled, remoteCancels } = start(...events);
    actor.send({ type: 'cancel' });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(settled).toEqual([{ status: 'cancelled', reason: 'Cancelled' }]);
    expect(remoteCancels).toEqual(remote);
  });

  it('retrieves the result of a task the client created already failed', () => {
    const { actor } = start({ type: 'created', task: task('failed') });
    expect(actor.getSnapshot().value).toBe('retrieving');
  });

  it('never gives up on a task the client keeps without a ttl', () => {
    const { actor, clock, settled } = start({ type: 'created', task: task('input_required', null) });
    clock.increment(2_147_483_647);
    expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
    expect(settled).toEqual([]);
  });
});
