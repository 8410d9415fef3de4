/**
 * Proof of the edges the client-task paths name unreachable when the receiver reports only through
 * `tasks/get` (clientUnreachable in clientTaskRun.ts): while the client's task is input_required the
 * follower sends no `tasks/get`, so whatever the receiver's task does then reaches the follower only
 * as the open `tasks/result`'s answer, and the `status` edges out of input_required are never taken.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { clientTaskMachine } from '../../machines/clientTask.js';
import { CLIENT_POLL_MS, clientUnreachableEdges, machineEvent } from './clientTaskModel.js';
import type { ClientSnapshot } from './clientTaskModel.js';
import { clientUnreachable } from './clientTaskCombination.js';
import type { ClientTaskCombination } from './clientTaskCombination.js';
import { ClientTaskRun } from './clientTaskRun.js';
import { drain } from '../support/until.js';

const POLLS_ONLY: ClientTaskCombination = { input: 'elicitation', sdk: 'v1', reports: 'polls' };

describe('a receiver that reports only through tasks/get, while the client task is input_required', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('names exactly the status edges out of input_required, and the failed result only such a status leads to', () => {
    expect(clientUnreachableEdges(clientTaskMachine, clientUnreachable(POLLS_ONLY))).toEqual([
      'clientTask.active.input_required —status [isWorking and not endReported]→ clientTask.active.working',
      'clientTask.active.input_required —status [isInputRequired and not endReported]→ (stays)',
      'clientTask.active.input_required —status [hasResult and not endReported]→ (stays)',
      // A `failed` report reaches an input_required follower only as a status event (above).
      'clientTask.active.input_required —result.done [reportedFailed]→ clientTask.failed',
    ]);
  });

  for (const status of ['working', 'input_required', 'completed'] as const) {
    it(`cannot tell the follower its task went ${status}: no tasks/get goes out, the actor stays input_required`, async () => {
      const [requested] = initialTransition(clientTaskMachine, { defaultPollInterval: CLIENT_POLL_MS });
      const created = { type: 'created', task: { status: 'input_required' as const } };
      const [inputRequired] = transition(clientTaskMachine, requested, machineEvent(created) as never);
      const run = await ClientTaskRun.start(POLLS_ONLY);
      try {
        await run.create(requested as ClientSnapshot);
        await run.step(requested as ClientSnapshot, created, inputRequired as ClientSnapshot);
        const gets = run.sentCount('tasks/get');
        const taken = run.takenAtRuntime().length;
        await run.receiverMovesSilently(status);
        // Ten poll intervals, well inside the client task's ttl.
        await vi.advanceTimersByTimeAsync(10 * CLIENT_POLL_MS);
        await drain();
        expect(run.sentCount('tasks/get'), 'tasks/get sent while input_required').toBe(gets);
        expect(run.takenAtRuntime().length, 'transitions taken meanwhile').toBe(taken);
        expect(run.actorValue()).toEqual({ active: 'input_required' });
        if (status === 'completed') {
          // Its next word is the open tasks/result's answer.
          await run.deliverResult();
          await drain();
          expect(run.actorValue()).toBe('completed');
        }
      } finally {
        await run.dispose();
      }
    });
  }
});
