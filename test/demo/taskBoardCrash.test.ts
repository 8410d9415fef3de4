import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { sanitizeInspection } from '../../src/inspect/inspection.js';

describe('TaskBoard and a task actor that crashed', () => {
  it('shows the crashed task failed and no longer live: XState stops it without a last snapshot', () => {
    const board = new TaskBoard();
    // The task machine as TaskSupport provides it, with a `settle` that throws (a bug in an action).
    const throwing = taskMachine.provide({
      actions: {
        announce: () => {},
        answer: () => {},
        discard: () => {},
        settle: () => {
          throw new Error('boom');
        },
      },
    });
    // Inspected through the sanitiser, as TaskSupport inspects its actors.
    const supervisor = createActor(createTaskSupervisor(throwing), { inspect: sanitizeInspection(board.observer) }).start();
    supervisor.send({ type: 'task.start', taskId: 't1' });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    expect(board.counts()['working']).toBe(2);

    supervisor.send({ type: 'task.send', taskId: 't1', event: { type: 'work.done', output: {} } });
    expect(supervisor.getSnapshot().tasks.has('t1')).toBe(false); // the engine's view: crashed, retired, failed
    const crashed = board.tasks().find((task) => task.taskId === 't1');
    expect(crashed).toMatchObject({
      live: false,
      state: 'failed',
      stateId: 'task.failed',
      message: 'Internal error in the task actor',
      error: 'Error, message of 4 characters hidden',
    });
    expect(crashed?.history.map((step) => [step.state, step.event])).toEqual([
      ['working', 'start'],
      ['failed', 'crashed'],
    ]);
    expect(board.counts()).toMatchObject({ working: 1, failed: 1 });
    expect(
      board
        .tasks()
        .filter((task) => task.live)
        .map((task) => task.taskId),
    ).toEqual(['t2']);
    supervisor.stop();
  });
});
