import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import type { ClientTaskMachineEvent, ClientTaskSettleParams, ClientTaskSnapshot } from '../../machines/clientTask.js';

/** The `result` actor's outcome for the next retrieval (never settles unless set). */
let nextResult: Promise<unknown> = new Promise<never>(() => {});

function start(...events: ClientTaskMachineEvent[]) {
  const settled: ClientTaskSettleParams[] = [];
  const remoteCancels: string[] = [];
  const polls: string[] = [];
  const retrievals: string[] = [];
  let requests = 0;
  const clock = new SimulatedClock();
  const result = nextResult;
  nextResult = new Promise<never>(() => {});
  const machine = clientTaskMachine.provide({
    actions: {
      settle: (_, params) => void settled.push(params),
      cancelRemote: (_, params) => void remoteCancels.push(params.reason),
      poll: (_, params) => void polls.push(params.taskId),
      request: () => void requests++,
    },
    actors: {
      result: fromPromise<unknown, { taskId: string }>(({ input }) => {
        retrievals.push(input.taskId);
        return result;
      }),
    },
  });
  const actor = createActor(machine, { input: { defaultPollInterval: 1000 }, clock }).start();
  for (const event of events) actor.send(event);
  return { actor, settled, remoteCancels, polls, retrievals, requests: () => requests, clock };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const task = (status: ClientTaskSnapshot['status'], ttl: number | null = 60_000, pollInterval?: number): ClientTaskSnapshot => ({
  taskId: 'c1',
  status,
  ttl,
  ...(pollInterval === undefined ? {} : { pollInterval }),
});

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

  it('sends its request on entry and starts with the default poll interval and no task', () => {
    const { actor, requests } = start();
    expect(requests()).toBe(1);
    expect(actor.getSnapshot().value).toBe('requested');
    expect(actor.getSnapshot().context).toEqual({ defaultPollInterval: 1000, task: undefined });
  });

  it.each([
    ['working', { active: 'working' }],
    ['input_required', { active: 'input_required' }],
    ['completed', 'retrieving'],
    ['failed', 'retrieving'],
  ] as const)('follows a task the client created %s and remembers it', (status, state) => {
    const { actor } = start({ type: 'created', task: task(status) });
    expect(actor.getSnapshot().value).toEqual(state);
    expect(actor.getSnapshot().context.task).toEqual(task(status));
  });

  it('settles cancelled when the client created its task cancelled', () => {
    const { actor, settled } = start({ type: 'created', task: task('cancelled') });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().context.task).toEqual(task('cancelled'));
    expect(settled).toEqual([{ status: 'cancelled', reason: 'The client cancelled its task' }]);
  });

  it('fails with the error when the client refused the request', () => {
    const error = new Error('no');
    const { actor, settled } = start({ type: 'refused', error });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('keeps a cancel reason it is given', () => {
    const { settled, remoteCancels } = start({ type: 'created', task: task('working') }, { type: 'cancel', reason: 'gone' });
    expect(settled).toEqual([{ status: 'cancelled', reason: 'gone' }]);
    expect(remoteCancels).toEqual(['gone']);
    const inRetrieval = start({ type: 'created', task: task('completed') }, { type: 'cancel', reason: 'gone' });
    expect(inRetrieval.settled).toEqual([{ status: 'cancelled', reason: 'gone' }]);
    const early = start({ type: 'cancel', reason: 'gone' });
    expect(early.settled).toEqual([{ status: 'cancelled', reason: 'gone' }]);
  });

  it('polls at the interval the client suggests, else at the default, while working', () => {
    const suggested = start({ type: 'created', task: task('working', 60_000, 300) });
    suggested.clock.increment(299);
    expect(suggested.polls).toEqual([]);
    suggested.clock.increment(1);
    expect(suggested.polls).toEqual(['c1']);
    suggested.clock.increment(300);
    expect(suggested.polls).toEqual(['c1', 'c1']);
    const byDefault = start({ type: 'created', task: task('working') });
    byDefault.clock.increment(999);
    expect(byDefault.polls).toEqual([]);
    byDefault.clock.increment(1);
    expect(byDefault.polls).toEqual(['c1']);
  });

  it('moves between working and input_required with the statuses it is told, remembering each', () => {
    const { actor } = start({ type: 'created', task: task('working') });
    actor.send({ type: 'status', task: { ...task('working'), statusMessage: 'busy' } });
    expect(actor.getSnapshot().value).toEqual({ active: 'working' });
    expect(actor.getSnapshot().context.task?.statusMessage).toBe('busy');
    actor.send({ type: 'status', task: task('input_required') });
    expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
    expect(actor.getSnapshot().context.task).toEqual(task('input_required'));
    actor.send({ type: 'status', task: { ...task('input_required'), statusMessage: 'still' } });
    expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
    expect(actor.getSnapshot().context.task?.statusMessage).toBe('still');
    actor.send({ type: 'status', task: task('working') });
    expect(actor.getSnapshot().value).toEqual({ active: 'working' });
    expect(actor.getSnapshot().context.task).toEqual(task('working'));
  });

  it('retrieves the result once the client reports it finished, and settles with it', async () => {
    nextResult = Promise.resolve({ content: [] });
    const { actor, settled, retrievals } = start({ type: 'created', task: task('working') });
    actor.send({ type: 'status', task: task('completed') });
    expect(actor.getSnapshot().value).toBe('retrieving');
    await flush();
    expect(retrievals).toEqual(['c1']);
    expect(actor.getSnapshot().value).toBe('completed');
    expect(settled).toEqual([{ status: 'completed', output: { content: [] } }]);
  });

  it('fails when retrieving the result fails', async () => {
    const error = new Error('lost');
    nextResult = Promise.reject(error);
    const { actor, settled } = start({ type: 'created', task: task('failed') });
    await flush();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('settles cancelled when the client reports its task cancelled while active', () => {
    const { actor, settled, remoteCancels } = start({ type: 'created', task: task('working') });
    actor.send({ type: 'status', task: task('cancelled') });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().context.task).toEqual(task('cancelled'));
    expect(settled).toEqual([{ status: 'cancelled', reason: 'The client cancelled its task' }]);
    expect(remoteCancels).toEqual([]);
  });

  it('fails when the client loses the task while working', () => {
    const error = new Error('unknown task');
    const { actor, settled } = start({ type: 'created', task: task('working') }, { type: 'lost', error });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('takes the result from the open tasks/result while input is required', async () => {
    nextResult = Promise.resolve('answer');
    const { actor, settled, retrievals } = start({ type: 'created', task: task('input_required') });
    actor.send({ type: 'status', task: task('completed') });
    expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
    await flush();
    expect(retrievals).toEqual(['c1']);
    expect(actor.getSnapshot().value).toBe('completed');
    expect(settled).toEqual([{ status: 'completed', output: 'answer' }]);
  });

  it.each(['completed', 'failed'] as const)(
    'keeps the open tasks/result once the client reported its task %s while input was required',
    (status) => {
      const { actor, retrievals } = start({ type: 'created', task: task('input_required') });
      actor.send({ type: 'status', task: task(status) });
      actor.send({ type: 'status', task: task('working') });
      actor.send({ type: 'status', task: task('input_required') });
      expect(actor.getSnapshot().value).toEqual({ active: 'input_required' });
      expect(actor.getSnapshot().context.task?.status).toBe(status);
      expect(retrievals).toEqual(['c1']);
    },
  );

  it('fails the follow when the client reports its task failed while working, whatever tasks/result answers', async () => {
    nextResult = Promise.resolve({ action: 'decline' });
    const { actor, settled } = start({ type: 'created', task: task('working') });
    actor.send({ type: 'status', task: task('failed') });
    expect(actor.getSnapshot().value).toBe('retrieving');
    expect(actor.getSnapshot().context.task).toEqual(task('failed'));
    await flush();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toHaveLength(1);
    const error = (settled[0] as { status: string; error: Error & { result?: unknown } }).error;
    expect(settled[0]!.status).toBe('failed');
    expect(error.message).toBe('The client reported its task failed');
    expect(error.result).toEqual({ action: 'decline' });
  });

  it('fails the follow with the result of the open tasks/result once the client reported its task failed', async () => {
    nextResult = Promise.resolve({ action: 'cancel' });
    const { actor, settled, retrievals } = start({ type: 'created', task: task('input_required') });
    actor.send({ type: 'status', task: task('failed') });
    await flush();
    expect(retrievals).toEqual(['c1']);
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toHaveLength(1);
    const error = (settled[0] as { status: string; error: Error & { result?: unknown } }).error;
    expect(settled[0]!.status).toBe('failed');
    expect(error.message).toBe('The client reported its task failed');
    expect(error.result).toEqual({ action: 'cancel' });
  });

  it('fails with the error of the open tasks/result while input is required', async () => {
    const error = new Error('stream gone');
    nextResult = Promise.reject(error);
    const { actor, settled } = start({ type: 'created', task: task('input_required') });
    await flush();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toEqual([{ status: 'failed', error }]);
  });

  it('fails a task that outlives its ttl, and only then', () => {
    const { actor, clock, settled } = start({ type: 'created', task: task('working', 5000, 100_000) });
    clock.increment(4999);
    expect(actor.getSnapshot().value).toEqual({ active: 'working' });
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('failed');
    expect(settled).toHaveLength(1);
    expect((settled[0] as { error: Error }).error.message).toBe('The client task reached its ttl unfinished');
  });
});
