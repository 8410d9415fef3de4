import { getInitialSnapshot } from 'xstate';
import type { ActorLogic, ActorRefFrom, ActorSystem, Snapshot } from 'xstate';
import type { TaskMachine, TaskMachineEvent } from './task.js';
import { taskActor } from './TaskActor.js';
import { unlistTaskActors } from './unlistTaskActors.js';

/** Events the supervisor accepts from the root (and, as `xstate.*`, from its task actors). */
export type TaskSupervisorEvent =
  | { type: 'task.start'; taskId: string; tool?: string }
  | { type: 'task.send'; taskId: string; event: TaskMachineEvent }
  | { type: 'shutdown'; reason: string }
  | { type: `xstate.done.actor.${string}`; actorId?: string }
  | { type: `xstate.error.actor.${string}`; actorId?: string; error?: unknown };

/** Emitted when a task actor crashed (threw in an action): the task must be failed by whoever owns its record. */
export interface TaskCrashedEvent {
  type: 'task.crashed';
  taskId: string;
  error: unknown;
}

/** Emitted when the supervisor is asked to deliver an event to a task that has no live actor. */
export interface TaskMissingEvent {
  type: 'task.missing';
  taskId: string;
  event: TaskMachineEvent;
}

/** The supervisor's snapshot: a live count for inspectors; the actor map itself stays out of serialisation. */
export type TaskSupervisorSnapshot = Snapshot<undefined> & {
  context: { live: number; closing: boolean };
  readonly tasks: Map<string, ActorRefFrom<TaskMachine>>;
};

/** The actor logic returned by {@link createTaskSupervisor}. */
export type TaskSupervisorLogic = ActorLogic<
  TaskSupervisorSnapshot,
  TaskSupervisorEvent,
  undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- XState's ActorLogic is typed over ActorSystem<any>
  ActorSystem<any>,
  TaskCrashedEvent | TaskMissingEvent
>;

const DONE_PREFIX = 'xstate.done.actor.';
const ERROR_PREFIX = 'xstate.error.actor.';

/**
 * Supervisor of every live task actor in one process.
 *
 * A machine's `spawnChild`/`stopChild` copy its whole `children` object on every spawn and stop,
 * which made 100,000 live tasks cost O(N²) (1.7 ms per stop at 100k). This supervisor keeps its
 * children in a Map, so starting, routing to and retiring a task are O(1) at any scale. Each task
 * actor is still a real child (`parent` is the supervisor, `id` is the taskId): its completion and
 * its crash reach the supervisor as `xstate.done.actor.*` / `xstate.error.actor.*`. It has no
 * `systemId`: that map is the lookup, and registering every task in the system's two maps as
 * well cost about 3 % of a create and of a cancel (issue 14).
 *
 * Once `shutdown` arrived and the last task has ended, the supervisor itself is done, which is
 * what moves the root machine from `closing` to `closed`.
 */
export function createTaskSupervisor(taskLogic: TaskMachine): TaskSupervisorLogic {
  const start = startingSnapshot(taskLogic);
  const logic = start ? restoringShared(taskLogic, start) : taskLogic;
  // Every field written out, not spread from the last snapshot: a new snapshot on every task's
  // start and end, so one object literal of a fixed shape (issue 14: the spreads were about 2 % of
  // a cancel at 100,000 live tasks).
  const finish = ({ tasks, context }: TaskSupervisorSnapshot): TaskSupervisorSnapshot => {
    const live = tasks.size;
    const done = context.closing && live === 0;
    return { status: done ? 'done' : 'active', output: undefined, error: undefined, context: { live, closing: context.closing }, tasks };
  };

  return {
    getInitialSnapshot: (scope) => {
      // The system is the root's; its other actors stay registered (see unlistTaskActors).
      unlistTaskActors(scope.system);
      return { status: 'active', output: undefined, error: undefined, context: { live: 0, closing: false }, tasks: new Map() };
    },
    transition: (snapshot, event, scope) => {
      if (snapshot.status !== 'active') return snapshot;
      const { tasks } = snapshot;
      switch (event.type) {
        case 'task.start': {
          if (snapshot.context.closing || tasks.has(event.taskId)) return snapshot;
          // Without a starting snapshot (undefined), XState computes the initial state for this actor.
          const ref = taskActor(logic, event.taskId, scope.self, start);
          tasks.set(event.taskId, ref);
          // Started after this transition, like a machine's spawn, so the child sees a settled parent.
          scope.defer(() => ref.start());
          return finish(snapshot);
        }
        case 'task.send': {
          const ref = tasks.get(event.taskId);
          if (ref) ref.send(event.event);
          else scope.emit({ type: 'task.missing', taskId: event.taskId, event: event.event });
          return snapshot;
        }
        case 'shutdown': {
          const next = { ...snapshot, context: { live: tasks.size, closing: true } };
          for (const ref of [...tasks.values()]) ref.send({ type: 'shutdown', reason: event.reason });
          return finish(next);
        }
        default: {
          // XState puts the child's id in `actorId`: the Map's own key, whose hash is computed
          // already, where a slice of the type is a new string to hash (issue 14: the done event
          // is on every task's end).
          if (event.type.startsWith(DONE_PREFIX)) {
            tasks.delete(event.actorId ?? event.type.slice(DONE_PREFIX.length));
            return finish(snapshot);
          }
          if (event.type.startsWith(ERROR_PREFIX)) {
            const taskId = event.actorId ?? event.type.slice(ERROR_PREFIX.length);
            const ref = tasks.get(taskId);
            tasks.delete(taskId);
            if (ref) scope.stopChild(ref);
            scope.emit({ type: 'task.crashed', taskId, error: 'error' in event ? event.error : undefined });
            return finish(snapshot);
          }
          return snapshot;
        }
      }
    },
    getPersistedSnapshot: (snapshot) => ({ ...snapshot, tasks: new Map() }),
  };
}

/**
 * The state every task actor starts in, computed once from the machine itself, or undefined when
 * restoring it would not be the same as starting afresh. A fresh start computes the initial state
 * per actor (about 20 µs and 16 KB of allocation per task, issue 14); restoring a persisted
 * snapshot skips that. The two are the same only when nothing runs on the way in: no entry action
 * (a delayed transition is one too), invocation, eventless transition or initial-transition action
 * in the states entered, and a static context. For any other machine each actor starts afresh.
 */
export function startingSnapshot(taskLogic: TaskMachine): Snapshot<unknown> | undefined {
  if (typeof taskLogic.config.context === 'function' || runsOnStart(taskLogic.root)) return undefined;
  const initial = getInitialSnapshot(taskLogic);
  if (initial.status !== 'active') return undefined;
  // Shared by every task actor: XState only reads it (its context is replaced, never mutated).
  return taskLogic.getPersistedSnapshot(initial);
}

/**
 * The task machine, except that restoring the starting snapshot gives every actor the same
 * snapshot object, restored once. XState's own `restoreSnapshot` rebuilds it per actor (its state
 * value, node list, tag set, history and children: about 7 µs and 0.5 KB that each parked task
 * kept, issue 14). Sharing it is safe because XState never changes a snapshot: each transition,
 * spawn or stop makes a new one, so an actor's first event leaves the shared one as it was. Any
 * other snapshot (a task persisted mid-run, say) is restored by the machine itself. The result
 * inherits everything else from the machine (id, config, definition, transition), so inspectors,
 * diagrams and `self.logic.id` see the same machine.
 */
function restoringShared(taskLogic: TaskMachine, start: Snapshot<unknown>): TaskMachine {
  let shared: ReturnType<TaskMachine['restoreSnapshot']> | undefined;
  const restoreSnapshot: TaskMachine['restoreSnapshot'] = (snapshot, scope) => {
    if (snapshot !== start) return taskLogic.restoreSnapshot(snapshot, scope);
    // Restored on first use, with that actor's scope: the starting state has no children to revive.
    return (shared ??= taskLogic.restoreSnapshot(snapshot, scope));
  };
  return Object.create(taskLogic, { restoreSnapshot: { value: restoreSnapshot } }) as TaskMachine;
}

type TaskStateNode = TaskMachine['root'];

/** Whether entering this node runs anything itself (XState makes each `after` delay an entry action). */
function runsOnEntry(node: TaskStateNode): boolean {
  return node.entry.length > 0 || node.invoke.length > 0 || node.always !== undefined;
}

/**
 * Whether entering this node and the states entered with it runs anything: a compound state's
 * initial child (its one target), every child of a parallel state, none of an atomic one.
 */
function runsOnStart(node: TaskStateNode): boolean {
  if (runsOnEntry(node)) return true;
  if (node.type === 'compound') return node.initial.actions.length > 0 || node.initial.target.some(runsOnStart);
  return Object.values(node.states).some(runsOnStart);
}
