import type { Actor, ActorRefFrom, AnyActorRef } from 'xstate';
import type { TaskMachine, TaskMachineEvent } from '../../machines/task.js';
import type { TaskSupervisorLogic, TaskSupervisorSnapshot } from '../../machines/taskSupervisor.js';

/**
 * The engine's handle on the task supervisor (machines/taskSupervisor.ts), the root's child that
 * holds every task actor. Events go to it directly: through the root they cost one more transition
 * each (the root forwards them unchanged). Looked up in the root's system on first use, once the
 * root runs, and kept after the root stops, so counts stay readable once closed.
 * @internal
 */
export class SupervisorHandle {
  private ref: Actor<TaskSupervisorLogic> | undefined;

  constructor(private readonly root: AnyActorRef) {}

  /** The supervisor actor itself (e.g. to listen for `task.crashed`). */
  get actor(): Actor<TaskSupervisorLogic> {
    if (!this.ref) {
      const ref = this.root.system.get('supervisor') as Actor<TaskSupervisorLogic> | undefined;
      if (!ref) throw new Error('mcp-task-actors: the task supervisor is not running');
      this.ref = ref;
    }
    return this.ref;
  }

  /** The live task actors, by task id. */
  get tasks(): ReadonlyMap<string, ActorRefFrom<TaskMachine>> {
    return (this.actor.getSnapshot() as TaskSupervisorSnapshot).tasks;
  }

  /**
   * Spawns the task's actor and hands it back (undefined when the supervisor refused it: an id that
   * has an actor already), so that the task's bookkeeping can keep it: a cancel then reaches it
   * without a lookup in the supervisor's map ({@link sendTo}).
   */
  spawn(taskId: string, tool: string | undefined): ActorRefFrom<TaskMachine> | undefined {
    this.actor.send(tool === undefined ? { type: 'task.start', taskId } : { type: 'task.start', taskId, tool });
    return this.tasks.get(taskId);
  }

  /**
   * Delivers an event to the task's actor: straight to it when it is alive, as `task.send` through
   * the supervisor otherwise (which reports it as `task.missing`, or delivers it after a
   * `task.start` still queued there). Routing every event through the supervisor cost one more
   * transition of the supervisor per event (its envelope, mailbox, transition and update: about
   * 3 µs of each cancel at 100,000 live tasks, issue 14) to do the same Map lookup as here.
   */
  send(taskId: string, event: TaskMachineEvent): void {
    const ref = this.tasks.get(taskId);
    if (ref) ref.send(event);
    else this.actor.send({ type: 'task.send', taskId, event });
  }

  /**
   * {@link send}, to the actor `ref` that the task's bookkeeping kept from {@link spawn}: straight to
   * it while it runs (an active snapshot: the supervisor holds it until it is done, fails or stops),
   * else as {@link send} does. At 100,000 live tasks the map lookup this skips is a few cache misses
   * of every cancel (issue 14).
   */
  sendTo(taskId: string, ref: ActorRefFrom<TaskMachine> | undefined, event: TaskMachineEvent): void {
    if (ref && ref.getSnapshot().status === 'active') ref.send(event);
    else this.send(taskId, event);
  }
}
