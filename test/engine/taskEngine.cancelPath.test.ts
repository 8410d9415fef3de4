// CPU per tasks/cancel at 100,000 live tasks (issue 14). A cancel looked its task's actor up in the
// supervisor's map of every live actor (a few cache misses at that size), though the task's
// bookkeeping could keep the actor it spawned; and a task's end was retired a turn after its last
// write, through a `then` on the write chain (a promise per task), before the cancel could answer.
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { createTaskSupervisor } from '../../machines/taskSupervisor.js';
import type { TaskMissingEvent } from '../../machines/taskSupervisor.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import { LiveTask } from '../../src/engine/LiveTask.js';
import { SupervisorHandle } from '../../src/engine/SupervisorHandle.js';
import type { TaskSpec } from '../../src/engine/TaskSpec.js';
import { hanging } from '../support/cancelProbes.js';
import { closeTestEngines, testEngine } from '../support/testEngine.js';

afterEach(() => closeTestEngines());

/** Counts the reads of `taskId` in the supervisor's map of live actors from now on. */
function countActorLookups(engine: ReturnType<typeof testEngine>['engine'], taskId: string): () => number {
  const tasks = (engine.actor.system.get('supervisor') as { getSnapshot(): { tasks: Map<string, unknown> } }).getSnapshot().tasks;
  let reads = 0;
  const get = tasks.get.bind(tasks);
  tasks.get = (key: string) => {
    if (key === taskId) reads++;
    return get(key);
  };
  return () => reads;
}

describe('TaskEngine.cancel of a task running here, in memory', () => {
  it("reaches the task's actor without a lookup in the supervisor's map of live actors", async () => {
    const { engine, store } = testEngine();
    const { taskId } = await engine.start(hanging());
    const lookups = countActorLookups(engine, taskId);
    const answer = await engine.cancel(taskId, 'alice');
    expect(answer).toMatchObject({ taskId, status: 'cancelled', statusMessage: 'Cancelled by the client' });
    expect(await store.get(taskId)).toEqual(answer);
    expect(engine.liveActorCount).toBe(0);
    expect(engine.liveTaskCount).toBe(0);
    expect(lookups()).toBe(0);
  });
});

describe("a task's kept actor", () => {
  it('is let go once the task ends, so a work that outlives its task does not keep the ended actor', () => {
    const live = new LiveTask({ owner: 'alice' } as TaskSpec);
    live.actor = {} as LiveTask['actor'];
    live.end();
    expect(live.actor).toBeUndefined();
  });
});

describe('SupervisorHandle.sendTo', () => {
  function running() {
    const settled: string[] = [];
    const task = taskMachine.provide({
      actions: { settle: ({ self }) => void settled.push(self.id), announce: () => {}, answer: () => {}, discard: () => {} },
    });
    const root = createActor(taskSupportMachine.provide({ actors: { supervisor: createTaskSupervisor(task) } })).start();
    const handle = new SupervisorHandle(root);
    const missing: TaskMissingEvent[] = [];
    handle.actor.on('task.missing', (e) => void missing.push(e));
    return { handle, settled, missing };
  }

  it('delivers to the kept actor while it runs, and through the supervisor once it ended', () => {
    const { handle, settled, missing } = running();
    const ref = handle.spawn('t1', 'tool');
    expect(ref).toBe(handle.tasks.get('t1'));
    handle.sendTo('t1', ref, { type: 'cancel', reason: 'r' });
    expect(settled).toEqual(['t1']);
    expect(missing).toEqual([]);
    // Ended: the kept actor is not the task's any more; the event is reported as the supervisor reports it.
    handle.sendTo('t1', ref, { type: 'cancel', reason: 'again' });
    expect(settled).toEqual(['t1']);
    expect(missing).toEqual([{ type: 'task.missing', taskId: 't1', event: { type: 'cancel', reason: 'again' } }]);
    handle.sendTo('t2', undefined, { type: 'expire' });
    expect(missing.map((e) => e.taskId)).toEqual(['t1', 't2']);
  });
});
