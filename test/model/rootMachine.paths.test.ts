import { describe, expect, it } from 'vitest';
import { CancelTaskResultSchema, GetTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { InspectionEvent } from 'xstate';
import { connectInMemory, createTask, testTaskSupport } from '../support/harness.js';
import { ScriptedWork } from '../support/scriptedWork.js';
import { until } from '../support/until.js';
import { edgeKey, formatCoverage } from './coverage.js';
import { SUPERVISOR_DONE, generateRootPaths, rootCoverage, rootLabel, rootPathEdges } from './rootModel.js';
import type { RootPath, RootSnapshot } from './rootModel.js';
import { SHUTDOWN_REASON } from './taskModel.js';

const paths = generateRootPaths();

/** Runs one root path: one TaskSupport, one session, each root event caused through the protocol. */
async function runRootPath(path: RootPath): Promise<void> {
  const tasks = testTaskSupport();
  const work = new ScriptedWork();
  const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'scripted', { taskSupport: 'required' }, work.run));
  const { client } = session;
  const values: string[] = [String(tasks.actor.getSnapshot().value)];
  tasks.actor.subscribe((snapshot) => {
    if (values.at(-1) !== String(snapshot.value)) values.push(String(snapshot.value));
  });
  const rootEdges: string[] = [];
  tasks.actor.system.inspect((event: InspectionEvent) => {
    if (event.type === '@xstate.microstep' && event.actorRef === tasks.actor) {
      rootEdges.push(...event._transitions.map((t) => edgeKey(t, rootLabel)));
    }
  });
  let taskId: string | undefined;
  let endedBy: 'cancel' | 'shutdown' | undefined;
  try {
    for (const step of path.steps) {
      const expected = String(step.state.value);
      switch (step.event.type) {
        case 'xstate.init':
          break;
        case 'task.start': {
          const task = await createTask(client, 'scripted', {});
          taskId = task.taskId;
          expect(task.status).toBe('working');
          await work.started.promise;
          expect(tasks.liveTaskActors, 'the root spawned a task actor').toBe(1);
          break;
        }
        case 'task.send': {
          const reply = await client.request({ method: 'tasks/cancel', params: { taskId: taskId! } }, CancelTaskResultSchema);
          expect(reply.status).toBe('cancelled');
          endedBy = 'cancel';
          await until(() => tasks.liveTaskActors === 0, 'the cancelled task actor to stop');
          break;
        }
        case 'close':
          await tasks.close();
          if (taskId !== undefined && endedBy === undefined) endedBy = 'shutdown';
          break;
        case SUPERVISOR_DONE:
          // No protocol action of its own: the drain that `close` started ends here.
          break;
        default:
          throw new Error(`no protocol action for root event ${step.event.type}`);
      }
      expect(values, `the root actor passed through ${expected}`).toContain(expected);
      await checkClientView(step.state);
    }
    expect(values, 'root states in order').toEqual(path.steps.map((s) => String(s.state.value)).filter((v, i, all) => all[i - 1] !== v));
    expect(rootEdges, 'transitions the real root actor took').toEqual(rootPathEdges(path));
  } finally {
    await session.close();
    await tasks.close();
  }

  async function checkClientView(state: RootSnapshot): Promise<void> {
    if (state.matches('running')) {
      expect(tasks.actor.getSnapshot().status).toBe('active');
      return;
    }
    if (state.matches('closed')) {
      expect(tasks.actor.getSnapshot().status, 'the root actor is done').toBe('done');
      expect(tasks.liveTaskActors, 'no task actor left').toBe(0);
      const refused = await createTask(client, 'scripted', {}).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused, 'a closed TaskSupport creates no task').toBeInstanceOf(McpError);
      expect((refused as McpError).code).toBe(-32603);
      if (taskId !== undefined) {
        const task = await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
        if (endedBy === 'shutdown') {
          expect(task.status).toBe('failed');
          expect(task.statusMessage).toBe(SHUTDOWN_REASON);
          expect((await work.ended.promise).kind, 'the work was aborted').toBe('aborted');
        } else {
          expect(task.status).toBe('cancelled');
        }
      }
    }
    // `closing` has no client view of its own: see the test that it never outlives the close call.
  }
}

describe('root TaskSupport machine paths, end to end over MCP', () => {
  for (const path of paths) it(path.description, () => runRootPath(path));
});

describe('root TaskSupport machine coverage', () => {
  it('visits every root state and edge (task events go to the supervisor, not through the root)', () => {
    const report = rootCoverage(paths);
    console.info(`root machine coverage by ${paths.length} generated paths: ${formatCoverage(report)}`);
    expect(report.states.missing).toEqual([]);
    expect(report.transitions.missing).toEqual([]);
  });

  it('closing never outlives the close call: the drain is synchronous, so no request lands in it', async () => {
    const tasks = testTaskSupport();
    const work = new ScriptedWork();
    const session = await connectInMemory(tasks, (server) => tasks.registerTool(server, 'scripted', { taskSupport: 'required' }, work.run));
    await createTask(session.client, 'scripted', {});
    await work.started.promise;
    let closing = false;
    let survivedATick = false;
    tasks.actor.subscribe((snapshot) => {
      if (snapshot.matches('closing')) {
        closing = true;
        queueMicrotask(() => (survivedATick ||= closing));
      } else if (snapshot.matches('closed')) {
        closing = false;
      }
    });
    const processed: string[] = [];
    tasks.actor.system.inspect((event: InspectionEvent) => {
      if (event.type === '@xstate.microstep' && event.actorRef === tasks.actor) {
        processed.push(`${event.event.type} → ${String((event.snapshot as RootSnapshot).value)}`);
      }
    });
    await tasks.close();
    await session.close();
    expect(survivedATick).toBe(false);
    expect(processed, 'nothing but the drain is processed in closing').toEqual(['close → closing', `${SUPERVISOR_DONE} → closed`]);
  });
});
