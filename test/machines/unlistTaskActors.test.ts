import { describe, expect, it } from 'vitest';
import { assign, createActor, createMachine, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { TaskMachine } from '../../machines/task.js';
import { TaskActor } from '../../machines/TaskActor.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import { unlistTaskActors } from '../../machines/unlistTaskActors.js';

/** The registry methods of XState's system (private in its types). */
type Registry = { _register(sessionId: string, ref: AnyActorRef): string; _unregister(ref: AnyActorRef): void };

/** A task machine that spawns a child with a systemId on start, so `system.get` can find it. */
const spawning = setup({ actors: { child: createMachine({}) } }).createMachine({
  id: 'spawning',
  initial: 'running',
  context: {},
  entry: assign({ child: ({ spawn, self }) => spawn('child', { systemId: `child-of-${self.id}` }) }),
  states: { running: { on: { cancel: 'cancelled' } }, cancelled: { type: 'final' } },
});

/**
 * A root whose system exists before the supervisor does (as TaskSupport's root does), so a spy on
 * the system's registry sees every actor the supervisor registers.
 */
function rootWithSpy(machine: object) {
  const root = createActor(
    setup({ actors: { supervisor: createTaskSupervisor(machine as unknown as TaskMachine) } }).createMachine({
      initial: 'idle',
      states: { idle: { on: { go: 'running' } }, running: { invoke: { id: 'supervisor', systemId: 'supervisor', src: 'supervisor' } } },
    }),
  ).start();
  const system = root.system as unknown as Registry;
  const registered: AnyActorRef[] = [];
  const unregistered: AnyActorRef[] = [];
  const { _register: register, _unregister: unregister } = system;
  system._register = (sessionId, ref) => (registered.push(ref), register(sessionId, ref));
  system._unregister = (ref) => (unregistered.push(ref), unregister(ref));
  root.send({ type: 'go' });
  const supervisor = root.system.get('supervisor') as AnyActorRef;
  return { root, supervisor, registered, unregistered };
}

describe('unlistTaskActors', () => {
  it("keeps task actors out of XState's write-only registry, and registers the supervisor as before", () => {
    const bare = createMachine({ initial: 'running', states: { running: { on: { cancel: 'cancelled' } }, cancelled: { type: 'final' } } });
    const { root, supervisor, registered, unregistered } = rootWithSpy(bare);
    expect(registered).toContain(supervisor);
    for (const taskId of ['a', 'b', 'c']) supervisor.send({ type: 'task.start', taskId });
    expect(supervisor.getSnapshot().context.live).toBe(3);
    for (const taskId of ['a', 'b', 'c']) supervisor.send({ type: 'task.send', taskId, event: { type: 'cancel' } });
    expect(supervisor.getSnapshot().context.live).toBe(0);
    expect(registered.filter((ref) => ref instanceof TaskActor)).toEqual([]);
    expect(unregistered.filter((ref) => ref instanceof TaskActor)).toEqual([]);
    root.stop();
  });

  it('still registers what a task actor spawns, so system.get finds it while it runs and not after', () => {
    const { root, supervisor, registered } = rootWithSpy(spawning);
    supervisor.send({ type: 'task.start', taskId: 't1' });
    const child = root.system.get('child-of-t1');
    expect(child).toBeDefined();
    expect(registered).toContain(child);
    supervisor.send({ type: 'task.send', taskId: 't1', event: { type: 'cancel' } });
    expect(supervisor.getSnapshot().context.live).toBe(0);
    expect(root.system.get('child-of-t1')).toBeUndefined();
    root.stop();
  });

  it("leaves a system laid out otherwise than XState 5.33's as it is", () => {
    const root = createActor(createMachine({})).start();
    const system = Object.assign(Object.create(null) as object, root.system, { later: () => undefined }) as unknown as Registry;
    const { _register: register, _unregister: unregister } = system;
    unlistTaskActors(system);
    expect(system._register).toBe(register);
    expect(system._unregister).toBe(unregister);
    root.stop();
  });
});
