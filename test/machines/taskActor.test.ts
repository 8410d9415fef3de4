import { describe, expect, it } from 'vitest';
import { createActor, emit, setup } from 'xstate';
import type { Actor, SnapshotFrom } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import type { TaskMachine } from '../../machines/task.js';
import { TaskActor, withSharedOptions } from '../../machines/TaskActor.js';
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
});
