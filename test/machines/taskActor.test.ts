import { describe, expect, it } from 'vitest';
import { Actor, createActor, emit, raise, sendParent, setup } from 'xstate';
import type { AnyActorLogic, InspectionEvent, SnapshotFrom } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import type { TaskMachine } from '../../machines/task.js';
import { TaskActor, taskActor, withSharedOptions } from '../../machines/TaskActor.js';
import { createTaskSupervisor, startingSnapshot } from '../../machines/taskSupervisor.js';

const quiet = taskMachine.provide({ actions: { settle: () => {}, announce: () => {}, answer: () => {}, discard: () => {} } });

/** The two XState fields TaskActor makes on first use (private in XState's types). */
const fields = (actor: object) => actor as unknown as { observers: Set<unknown>; eventListeners: Map<unknown, unknown> };

function twoTasks() {
  const supervisor = createActor(createTaskSupervisor(quiet)).start();
  supervisor.send({ type: 'task.start', taskId: 'a' });
  supervisor.send({ type: 'task.start', taskId: 'b' });
  const tasks = supervisor.getSnapshot().tasks;
  const a = tasks.get('a') as unknown as Actor<TaskMachine>;
  const b = tasks.get('b') as unknown as Actor<TaskMachine>;
  return { supervisor, a, b };
}

describe('TaskActor', () => {
  it('is the actor the supervisor runs each task in, and holds no observer set or listener map of its own until used', () => {
    const { a, b } = twoTasks();
    expect(a).toBeInstanceOf(TaskActor);
    expect(fields(a).observers).toBe(fields(b).observers);
    expect(fields(a).eventListeners).toBe(fields(b).eventListeners);
    expect(fields(a).observers.size).toBe(0);
    expect(fields(a).eventListeners.size).toBe(0);
  });

  it('refuses additions to the shared empty set and map, which would reach every task actor', () => {
    const { a, b } = twoTasks();
    expect(() => fields(a).observers.add(() => {})).toThrow(/outside subscribe/);
    expect(() => fields(a).eventListeners.set('x', new Set())).toThrow(/outside on/);
    expect(fields(b).observers.size).toBe(0);
    expect(fields(b).eventListeners.size).toBe(0);
  });

  it("gives a subscriber that task's snapshots and end, and no other task's", () => {
    const { supervisor, a, b } = twoTasks();
    const seen: string[] = [];
    let completed = 0;
    const subscription = a.subscribe({
      next: (snapshot: SnapshotFrom<TaskMachine>) => seen.push(JSON.stringify(snapshot.value)),
      complete: () => completed++,
    });
    expect(fields(a).observers).not.toBe(fields(b).observers);
    expect(fields(b).observers.size).toBe(0);
    // b's transitions and end reach nobody.
    supervisor.send({ type: 'task.send', taskId: 'b', event: { type: 'work.done', output: {} } });
    expect(seen).toEqual([]);
    expect(completed).toBe(0);
    supervisor.send({ type: 'task.send', taskId: 'a', event: { type: 'work.done', output: {} } });
    expect(seen.length).toBeGreaterThan(0);
    expect(completed).toBe(1);
    subscription.unsubscribe();
  });

  it('keeps every observer of a task, stops calling one once it unsubscribed, and takes plain callbacks too', () => {
    const { supervisor, a } = twoTasks();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const third: unknown[] = [];
    const sub = a.subscribe((snapshot) => first.push(snapshot.value));
    a.subscribe((snapshot) => second.push(snapshot.value));
    a.subscribe((snapshot) => third.push(snapshot.value));
    sub.unsubscribe();
    supervisor.send({ type: 'task.send', taskId: 'a', event: { type: 'work.done', output: {} } });
    expect(first).toEqual([]);
    expect(second.length).toBeGreaterThan(0);
    expect(third).toEqual(second);
  });

  it("delivers emitted events to that actor's listeners only", () => {
    const shouting = setup({
      types: { events: {} as { type: 'shout'; n: number }, emitted: {} as { type: 'heard'; n: number } },
    }).createMachine({
      on: { shout: { actions: emit(({ event }) => ({ type: 'heard' as const, n: event.n })) } },
    });
    const one = new TaskActor(shouting).start();
    const two = new TaskActor(shouting).start();
    expect(fields(one).eventListeners).toBe(fields(two).eventListeners);
    const heard: number[] = [];
    const wildcard: number[] = [];
    one.on('heard', (event) => heard.push(event.n));
    one.on('*', (event) => wildcard.push(event.n));
    expect(fields(two).eventListeners.size).toBe(0);
    two.send({ type: 'shout', n: 2 });
    one.send({ type: 'shout', n: 1 });
    expect(heard).toEqual([1]);
    expect(wildcard).toEqual([1]);
  });

  it("replaces a task actor's options with an equal new object, and leaves any other actor's alone", () => {
    const supervisor = createActor(createTaskSupervisor(quiet)).start();
    const task = createActor(quiet, { id: 't', parent: supervisor, snapshot: startingSnapshot(quiet) });
    const resolved = task.options;
    expect(withSharedOptions(task)).toBe(task);
    expect(task.options).not.toBe(resolved);
    expect(task.options).toEqual(resolved);
    // Other options (here an input): replacing them with the task's keys would drop one.
    const other = createActor(quiet, { id: 'o', parent: supervisor, input: 1 } as never);
    const own = other.options;
    withSharedOptions(other);
    expect(other.options).toBe(own);
    // Fewer options (no starting snapshot): a copy with the task's keys would add one.
    const fewer = createActor(quiet, { id: 'f', parent: supervisor });
    const its = fewer.options;
    withSharedOptions(fewer);
    expect(fewer.options).toBe(its);
  });

  it("makes each task actor as XState's constructor would: same fields and options, the same inspection, events, delays, emits and end", async () => {
    type Busy = { type: 'go' } | { type: 'later' } | { type: 'shout' };
    const busy = setup({
      types: { events: {} as Busy, emitted: {} as { type: 'heard' } },
      actions: { note: () => {} },
    }).createMachine({
      initial: 'idle',
      states: {
        idle: { on: { go: { target: 'busy', actions: ['note', raise({ type: 'shout' })] } } },
        busy: {
          after: { 5: 'waited' },
          on: { shout: { actions: [emit({ type: 'heard' as const }), sendParent({ type: 'child.shouted' })] } },
        },
        waited: { on: { later: 'done' } },
        done: { type: 'final' },
      },
    });
    /** Runs one actor of `busy` under a parent, made by `make`; returns what was observed, ids renamed. */
    async function run(make: (logic: AnyActorLogic, parent: Actor<AnyActorLogic>) => Actor<AnyActorLogic>) {
      const seen: string[] = [];
      const parentLogic = setup({}).createMachine({ on: { '*': { actions: ({ event }) => seen.push(`parent got ${event.type}`) } } });
      // The child's inspection events only (the parent's own come before it exists).
      const inspect = (event: InspectionEvent) => {
        const named = 'event' in event && event.event ? ` ${(event.event as { type: string }).type}` : '';
        if ((event.actorRef as { id?: string }).id === 'c') seen.push(`${event.type}${named}`);
      };
      const parent = createActor(parentLogic, { inspect }).start();
      const child = make(busy, parent as unknown as Actor<AnyActorLogic>);
      child.on('heard', () => seen.push('heard'));
      child.subscribe({ complete: () => seen.push('complete') });
      child.start();
      child.send({ type: 'go' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      child.send({ type: 'later' });
      const fields = child as unknown as { options: object; id: string; sessionId: string; _parent: unknown; system: unknown };
      return {
        seen: seen.map((line) => line.replace(/x:\d+/g, 'x')),
        optionKeys: Object.keys(fields.options),
        keys: Object.keys(child),
        status: child.getSnapshot().status,
        value: child.getSnapshot().value as unknown,
        parentOk: fields._parent === parent && fields.system === parent.system && fields.sessionId.startsWith('x:'),
      };
    }
    const snapshot = undefined;
    const xstate = await run((logic, parent) => new Actor(logic, { id: 'c', parent, snapshot }));
    const fast = await run((logic, parent) => taskActor(logic, 'c', parent, snapshot));
    expect(fast).toEqual(xstate);
    expect(xstate.seen).toContain('heard');
    expect(xstate.seen).toContain('parent got child.shouted');
    expect(xstate.seen).toContain('@xstate.actor');
    expect(xstate.seen).toContain('@xstate.action');
    expect(xstate.status).toBe('done');
    expect(xstate.parentOk).toBe(true);
  });

  it('shares the scope functions XState calls as methods between task actors, so a task actor keeps no closure of its own for them (issue 14)', () => {
    const { a, b } = twoTasks();
    type Scope = { defer: unknown; stopChild: unknown; emit: unknown; actionExecutor: unknown; self: unknown };
    const scope = (actor: object) => (actor as unknown as { _actorScope: Scope })._actorScope;
    expect(scope(a).self).toBe(a);
    expect(scope(a).defer).toBe(scope(b).defer);
    expect(scope(a).stopChild).toBe(scope(b).stopChild);
    expect(scope(a).emit).toBe(scope(b).emit);
    // Wrapped and called detached by every microstep: one per actor.
    expect(scope(a).actionExecutor).not.toBe(scope(b).actionExecutor);
  });
});
