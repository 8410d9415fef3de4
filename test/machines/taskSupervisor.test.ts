import { describe, expect, it, vi } from 'vitest';
import { createActor, createMachine, fromPromise } from 'xstate';
import type { Actor, ActorRefFrom } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import type { TaskMachine } from '../../machines/task.js';
import { createTaskSupervisor, startingSnapshot } from '../../machines/taskSupervisor.js';
import type { TaskCrashedEvent, TaskMissingEvent, TaskSupervisorLogic } from '../../machines/taskSupervisor.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';

const quiet = taskMachine.provide({ actions: { settle: () => {}, announce: () => {}, answer: () => {}, discard: () => {} } });

/** The logic an actor of the supervisor runs (an `ActorRef` does not show it; its `Actor` does). */
const logicOf = (ref: ActorRefFrom<TaskMachine>): TaskMachine => (ref as unknown as Actor<TaskMachine>).logic;

function start(logic = quiet) {
  const supervisor = createActor(createTaskSupervisor(logic)).start();
  const crashed: TaskCrashedEvent[] = [];
  const missing: TaskMissingEvent[] = [];
  supervisor.on('task.crashed', (e) => void crashed.push(e));
  supervisor.on('task.missing', (e) => void missing.push(e));
  return { supervisor, crashed, missing };
}

describe('task supervisor', () => {
  it('reports an event for a task it does not run as task.missing, with the event', () => {
    const { supervisor, missing } = start();
    supervisor.send({ type: 'task.send', taskId: 'gone', event: { type: 'cancel', reason: 'r' } });
    expect(missing).toEqual([{ type: 'task.missing', taskId: 'gone', event: { type: 'cancel', reason: 'r' } }]);
  });

  it("gives each task actor the options XState resolved, in an object of its own making (Node 20's spread shapes)", () => {
    const { supervisor } = start();
    const plain = createActor(quiet, { id: 'p', parent: supervisor, snapshot: startingSnapshot(quiet) });
    supervisor.send({ type: 'task.start', taskId: 't1' });
    const ref = supervisor.getSnapshot().tasks.get('t1') as unknown as Actor<TaskMachine>;
    // The same keys, in the same order, with the same values as XState's own resolution.
    expect(Object.keys(ref.options)).toEqual(Object.keys(plain.options));
    expect(ref.options).toEqual({ ...plain.options, id: 't1' });
    expect(ref.options.parent).toBe(supervisor);
    expect(ref.id).toBe('t1');
  });

  it('retires a task that ended, and is done once closing with none left', () => {
    const { supervisor, crashed } = start();
    expect(supervisor.getSnapshot().context).toEqual({ live: 0, closing: false });
    supervisor.send({ type: 'task.start', taskId: 't1' });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    expect(supervisor.getSnapshot().context).toEqual({ live: 2, closing: false });
    supervisor.send({ type: 'task.send', taskId: 't1', event: { type: 'work.done', output: {} } });
    expect(supervisor.getSnapshot().context).toEqual({ live: 1, closing: false });
    expect(supervisor.getSnapshot().tasks.has('t1')).toBe(false);
    supervisor.send({ type: 'shutdown', reason: 'bye' });
    expect(supervisor.getSnapshot().status).toBe('done');
    expect(supervisor.getSnapshot().context).toEqual({ live: 0, closing: true });
    expect(crashed).toEqual([]);
  });

  it('reports a task actor that threw as task.crashed with its error, and stops and forgets it', () => {
    const boom = new Error('boom');
    const { supervisor, crashed } = start(
      quiet.provide({
        actions: {
          settle: () => {
            throw boom;
          },
        },
      }),
    );
    supervisor.send({ type: 'task.start', taskId: 't1' });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    const child = supervisor.getSnapshot().tasks.get('t1');
    supervisor.send({ type: 'task.send', taskId: 't1', event: { type: 'work.done', output: {} } });
    expect(crashed).toEqual([{ type: 'task.crashed', taskId: 't1', error: boom }]);
    expect(supervisor.getSnapshot().context).toEqual({ live: 1, closing: false });
    expect(supervisor.getSnapshot().tasks.has('t1')).toBe(false);
    expect(supervisor.getSnapshot().tasks.has('t2')).toBe(true);
    expect(child?.getSnapshot().status).toBe('error');
    expect(supervisor.system.get('t2'), 'task actors are found through the supervisor, not the system').toBeUndefined();
    expect(supervisor.getSnapshot().tasks.get('t2')?.getSnapshot().status).toBe('active');
  });

  it('ignores events it does not know', () => {
    const { supervisor, crashed } = start();
    supervisor.send({ type: 'task.start', taskId: 't1' });
    const before = supervisor.getSnapshot();
    supervisor.send({ type: 'task.unknown' } as never);
    expect(supervisor.getSnapshot()).toBe(before);
    expect(crashed).toEqual([]);
  });

  it('starts a task id once, and nothing once closing', () => {
    // Task actors that ignore shutdown: the supervisor stays closing (not done) while they live.
    const stubborn = createMachine({ initial: 'idle', states: { idle: {} } }) as unknown as TaskMachine;
    const { supervisor } = start(stubborn);
    supervisor.send({ type: 'task.start', taskId: 't1' });
    const first = supervisor.getSnapshot().tasks.get('t1');
    supervisor.send({ type: 'task.start', taskId: 't1' });
    expect(supervisor.getSnapshot().tasks.get('t1')).toBe(first);
    expect(supervisor.getSnapshot().context.live).toBe(1);
    supervisor.send({ type: 'shutdown', reason: 'bye' });
    expect(supervisor.getSnapshot()).toMatchObject({ status: 'active', context: { live: 1, closing: true } });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    expect(supervisor.getSnapshot().tasks.has('t2')).toBe(false);
  });

  it('persists its count but no actors', () => {
    const { supervisor } = start();
    supervisor.send({ type: 'task.start', taskId: 't1' });
    const persisted = supervisor.getPersistedSnapshot() as unknown as { context: unknown; tasks: Map<string, unknown> };
    expect(persisted.context).toEqual({ live: 1, closing: false });
    expect(persisted.tasks.size).toBe(0);
    expect(supervisor.getSnapshot().tasks.size).toBe(1);
  });
});

describe('root machine as exported (the one diagrams and Stately open)', () => {
  it('runs its own supervisor: tasks start in it and close drains them to closed', () => {
    const root = createActor(taskSupportMachine).start();
    const supervisor = root.system.get('supervisor') as ActorRefFrom<TaskSupervisorLogic>;
    supervisor.send({ type: 'task.start', taskId: 't1' });
    expect(supervisor.getSnapshot().context.live).toBe(1);
    root.send({ type: 'close', reason: 'bye' });
    expect(root.getSnapshot().value).toBe('closed');
    expect(root.getSnapshot().status).toBe('done');
  });
});

describe('starting snapshot (every task actor restored from one state instead of computing it)', () => {
  it('exists for the task machine, and a task started from it is one started afresh', () => {
    const shared = startingSnapshot(quiet);
    expect(shared).toBeDefined();
    const logic = quiet.provide({});
    const computed = vi.spyOn(logic, 'getInitialSnapshot');
    const { supervisor } = start(logic);
    const once = computed.mock.calls.length;
    supervisor.send({ type: 'task.start', taskId: 't1' });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    // Computed for the supervisor, not once per task.
    expect(once).toBeGreaterThan(0);
    expect(computed).toHaveBeenCalledTimes(once);
    const restored = supervisor.getSnapshot().tasks.get('t1')!;
    const fresh = createActor(quiet, { id: 't1' }).start();
    for (const actor of [restored, fresh]) {
      expect(actor.id).toBe('t1');
      expect(actor.getSnapshot().status).toBe('active');
      expect(actor.getSnapshot().value).toEqual({ running: 'working' });
      expect(actor.getSnapshot().context).toEqual({ waitingFor: [] });
    }
    // Both take the same path from there: an ask, then its answer, then the end.
    for (const actor of [restored, fresh]) {
      actor.send({ type: 'input.request', requestId: 'r1' });
      expect(actor.getSnapshot().value).toEqual({ running: 'input_required' });
      expect(actor.getSnapshot().context).toEqual({ waitingFor: ['r1'] });
      actor.send({ type: 'input.response', requestId: 'r1', result: {} });
      actor.send({ type: 'work.done', output: {} });
      expect(actor.getSnapshot().value).toBe('completed');
    }
    // The shared starting state is left as it was.
    expect(shared).toMatchObject({ value: { running: 'working' }, context: { waitingFor: [] } });
  });

  it('is one snapshot object for every task actor, restored once, that each leaves on its first event', () => {
    const logic = quiet.provide({});
    const restored = vi.spyOn(logic, 'restoreSnapshot');
    const { supervisor } = start(logic);
    for (const id of ['t1', 't2', 't3']) supervisor.send({ type: 'task.start', taskId: id });
    const [t1, t2, t3] = ['t1', 't2', 't3'].map((id) => supervisor.getSnapshot().tasks.get(id)!);
    expect(restored).toHaveBeenCalledTimes(1);
    const shared = t1!.getSnapshot();
    expect(t2!.getSnapshot()).toBe(shared);
    expect(t3!.getSnapshot()).toBe(shared);
    t1!.send({ type: 'input.request', requestId: 'r1' });
    t2!.send({ type: 'cancel', reason: 'no' });
    expect(t1!.getSnapshot()).toMatchObject({ value: { running: 'input_required' }, context: { waitingFor: ['r1'] } });
    expect(t2!.getSnapshot().value).toBe('cancelled');
    expect(t3!.getSnapshot()).toBe(shared);
    expect(shared).toMatchObject({ status: 'active', value: { running: 'working' }, context: { waitingFor: [] }, children: {} });
    expect([...shared.tags]).toEqual([]);
    // The actors' logic is still the machine to anything that reads it.
    expect(logicOf(t3!).id).toBe(logic.id);
    expect(logicOf(t3!).root).toBe(logic.root);
    expect(JSON.stringify(logicOf(t3!))).toBe(JSON.stringify(logic));
    expect(logicOf(t3!).transition).toBe(logic.transition);
  });

  it("restores any other snapshot given to the task actors' logic as the machine does", () => {
    const { supervisor } = start(quiet.provide({}));
    supervisor.send({ type: 'task.start', taskId: 't1' });
    supervisor.send({ type: 'task.start', taskId: 't2' });
    const t1 = supervisor.getSnapshot().tasks.get('t1')!;
    t1.send({ type: 'input.request', requestId: 'r1' });
    const persisted = t1.getPersistedSnapshot();
    const again = createActor(logicOf(t1), { snapshot: persisted }).start();
    expect(again.getSnapshot()).not.toBe(supervisor.getSnapshot().tasks.get('t2')!.getSnapshot());
    expect(again.getSnapshot()).toMatchObject({ value: { running: 'input_required' }, context: { waitingFor: ['r1'] } });
    again.send({ type: 'input.response', requestId: 'r1', result: {} });
    expect(again.getSnapshot().value).toEqual({ running: 'working' });
  });

  it('is refused for a machine whose start would run something, which then starts each actor afresh', () => {
    const entered: string[] = [];
    const provided = quiet.provide({});
    const entering = createMachine({
      id: 'task',
      context: { waitingFor: [] },
      initial: 'running',
      states: { running: { entry: ({ self }) => void entered.push(self.id) } },
    }) as unknown as TaskMachine;
    const delayed = createMachine({ id: 'task', initial: 'a', states: { a: { after: { 10: 'b' } }, b: {} } }) as unknown as TaskMachine;
    const computed = createMachine({
      id: 'task',
      context: () => ({ waitingFor: [] }),
      initial: 'a',
      states: { a: {} },
    }) as unknown as TaskMachine;
    const eventless = createMachine({ id: 'task', initial: 'a', states: { a: { always: 'b' }, b: {} } }) as unknown as TaskMachine;
    const invoking = createMachine({
      id: 'task',
      initial: 'a',
      states: { a: { invoke: { src: fromPromise(() => new Promise(() => {})) } } },
    }) as unknown as TaskMachine;
    const initialAction = createMachine({
      id: 'task',
      initial: 'a',
      states: { a: { initial: { target: 'b', actions: () => {} }, states: { b: {} } } },
    }) as unknown as TaskMachine;
    const deepEntry = createMachine({
      id: 'task',
      type: 'parallel',
      states: { a: {}, b: { initial: 'c', states: { c: { entry: () => {} } } } },
    }) as unknown as TaskMachine;
    const ended = createMachine({ id: 'task', initial: 'done', states: { done: { type: 'final' } } }) as unknown as TaskMachine;
    expect(startingSnapshot(provided)).toBeDefined();
    for (const logic of [entering, delayed, computed, eventless, invoking, initialAction, deepEntry, ended]) {
      expect(startingSnapshot(logic)).toBeUndefined();
    }
    const supervisor = createActor(createTaskSupervisor(entering)).start();
    supervisor.send({ type: 'task.start', taskId: 'e1' });
    supervisor.send({ type: 'task.start', taskId: 'e2' });
    expect(entered).toEqual(['e1', 'e2']);
  });
});
