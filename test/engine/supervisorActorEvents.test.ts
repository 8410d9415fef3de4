// The task supervisor tells a child's done event from its error event (forgets the child, or
// reports its crash), for ids of any length and for events with or without the child's `actorId`.
// A guard: a faster test by the type's length alone was tried (issue 14) and left out, since it
// only duplicated the prefix test's answer (its mutants could not be told from the original).
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import type { TaskCrashedEvent, TaskSupervisorEvent } from '../../machines/taskSupervisor.js';

function supervisor() {
  const task = taskMachine.provide({ actions: { settle: () => {}, announce: () => {}, answer: () => {}, discard: () => {} } });
  const actor = createActor(createTaskSupervisor(task)).start();
  const crashed: TaskCrashedEvent[] = [];
  actor.on('task.crashed', (e) => void crashed.push(e));
  return { actor, crashed, tasks: () => actor.getSnapshot().tasks };
}

describe("the task supervisor's child events", () => {
  it('forgets a child on its done event and reports a crash on its error event, for ids of any length', () => {
    const { actor, crashed, tasks } = supervisor();
    // "ab" done and "a" failed have types of one length; so do "abc" failed and "abcd" done.
    for (const id of ['a', 'ab', 'abc', 'abcd']) actor.send({ type: 'task.start', taskId: id });
    actor.send({ type: 'xstate.done.actor.ab', actorId: 'ab' } as TaskSupervisorEvent);
    actor.send({ type: 'xstate.error.actor.a', actorId: 'a', error: 'boom' } as TaskSupervisorEvent);
    expect([...tasks().keys()]).toEqual(['abc', 'abcd']);
    expect(crashed).toEqual([{ type: 'task.crashed', taskId: 'a', error: 'boom' }]);
    actor.send({ type: 'xstate.error.actor.abc', actorId: 'abc', error: 'bang' } as TaskSupervisorEvent);
    actor.send({ type: 'xstate.done.actor.abcd', actorId: 'abcd' } as TaskSupervisorEvent);
    expect(tasks().size).toBe(0);
    expect(crashed.map((e) => e.taskId)).toEqual(['a', 'abc']);
    expect(actor.getSnapshot().context).toEqual({ live: 0, closing: false });
  });

  it('reads the id from the type when an event has no actorId', () => {
    const { actor, crashed, tasks } = supervisor();
    actor.send({ type: 'task.start', taskId: 't1' });
    actor.send({ type: 'task.start', taskId: 't2' });
    actor.send({ type: 'xstate.done.actor.t1' });
    actor.send({ type: 'xstate.error.actor.t2', error: 'e' } as TaskSupervisorEvent);
    expect(tasks().size).toBe(0);
    expect(crashed).toEqual([{ type: 'task.crashed', taskId: 't2', error: 'e' }]);
  });

  it('retires a real task actor that reached a final state', () => {
    const { actor, tasks } = supervisor();
    actor.send({ type: 'task.start', taskId: 'real' });
    actor.send({ type: 'task.send', taskId: 'real', event: { type: 'cancel' } });
    expect(tasks().size).toBe(0);
    expect(actor.getSnapshot().context.live).toBe(0);
  });
});
