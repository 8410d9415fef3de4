import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { AnyActorRef, AnyEventObject, InspectionEvent } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import type { TaskMissingEvent } from '../../machines/taskSupervisor.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import { SupervisorHandle } from '../../src/engine/SupervisorHandle.js';

// The engine's events reach a live task actor straight from the handle, not as `task.send` through
// a transition of the supervisor (issue 14: that was one more transition per event, per cancel).

function running() {
  const settled: string[] = [];
  const task = taskMachine.provide({
    actions: { settle: ({ self }) => void settled.push(self.id), announce: () => {}, answer: () => {}, discard: () => {} },
  });
  const events: { to: string; event: AnyEventObject }[] = [];
  const inspect = (e: InspectionEvent): void => {
    if (e.type === '@xstate.event') events.push({ to: (e.actorRef as AnyActorRef).id, event: e.event });
  };
  const root = createActor(taskSupportMachine.provide({ actors: { supervisor: createTaskSupervisor(task) } }), { inspect }).start();
  const handle = new SupervisorHandle(root);
  const missing: TaskMissingEvent[] = [];
  handle.actor.on('task.missing', (e) => void missing.push(e));
  return { root, handle, events, settled, missing };
}

describe('SupervisorHandle', () => {
  it("delivers an event to a live task's actor directly, and the supervisor only hears of its end", () => {
    const { handle, events, settled } = running();
    expect(handle.spawn('t1', 'tool')).toBe(handle.tasks.get('t1'));
    expect(handle.tasks.get('t1')).toBeDefined();
    events.length = 0;
    handle.send('t1', { type: 'cancel', reason: 'r' });
    expect(settled).toEqual(['t1']);
    expect(handle.tasks.has('t1')).toBe(false);
    expect(events.map(({ to, event }) => [to, event.type])).toEqual([
      ['t1', 'cancel'],
      ['supervisor', 'xstate.done.actor.t1'],
    ]);
    expect(handle.actor.getSnapshot().context).toEqual({ live: 0, closing: false });
  });

  it('reports an event for a task without an actor as task.missing, through the supervisor', () => {
    const { handle, events, missing } = running();
    events.length = 0;
    handle.send('gone', { type: 'cancel', reason: 'r' });
    expect(missing).toEqual([{ type: 'task.missing', taskId: 'gone', event: { type: 'cancel', reason: 'r' } }]);
    expect(events.map(({ to, event }) => [to, event.type])).toEqual([['supervisor', 'task.send']]);
  });

  it('delivers events to tasks still running while the root closes, and the root closes once they end', () => {
    const { root, handle, settled } = running();
    handle.spawn('a', undefined);
    handle.spawn('b', undefined);
    root.send({ type: 'close', reason: 'bye' });
    expect(settled).toEqual(['a', 'b']);
    expect(root.getSnapshot().value).toBe('closed');
    expect(handle.tasks.size).toBe(0);
  });
});
