import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { ClientTaskSettleParams, ClientTaskSnapshot } from '../../machines/clientTask.js';
import { clientTaskMachine } from '../../machines/clientTask.js';

// What the client-task machine does with a receiver that breaks the spec, or an SDK store that
// keeps a result for a failed task: cases the generated paths (test/model/clientTask*) do not offer,
// because their receiver keeps the spec.
const task = (status: ClientTaskSnapshot['status']): ClientTaskSnapshot => ({ taskId: 't1', status, ttl: null, pollInterval: 60_000 });

function follow(result: Promise<unknown>) {
  const settled: ClientTaskSettleParams[] = [];
  const machine = clientTaskMachine.provide({
    actors: { result: fromPromise(() => result) },
    actions: { settle: (_, params: ClientTaskSettleParams) => void settled.push(params) },
  });
  const actor = createActor(machine, { input: { defaultPollInterval: 60_000 } }).start();
  return { actor, settled };
}

describe('the client-task machine', () => {
  it('keeps a terminal status it was told: a later `working` report does not drop the open tasks/result', () => {
    const { actor } = follow(new Promise(() => {}));
    actor.send({ type: 'created', task: task('input_required') });
    actor.send({ type: 'status', task: task('completed') });
    actor.send({ type: 'status', task: task('working') });
    actor.send({ type: 'status', task: task('input_required') });
    expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
    expect(actor.getSnapshot().context.task?.status).toBe('completed');
    actor.stop();
  });

  it('fails the follow when the client reported its task failed, even if tasks/result answers with a result', async () => {
    const { actor, settled } = follow(Promise.resolve({ action: 'decline' }));
    actor.send({ type: 'created', task: task('failed') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toHaveLength(1);
    const outcome = settled[0]!;
    expect(outcome.status).toBe('failed');
    const error = (outcome as { error: Error & { result?: unknown } }).error;
    expect(error.message).toBe('The client reported its task failed');
    expect(error.result).toEqual({ action: 'decline' });
  });

  it('completes the follow with the result of a completed task', async () => {
    const { actor, settled } = follow(Promise.resolve({ action: 'accept', content: {} }));
    actor.send({ type: 'created', task: task('completed') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(actor.getSnapshot().value).toBe('completed');
    expect(settled).toEqual([{ status: 'completed', output: { action: 'accept', content: {} } }]);
  });
});
