import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskMachine } from '../../machines/task.js';
import { coverageOfTaken, formatCoverage } from './coverage.js';
import { edgeLabel, TaskPathRun } from './taskPathDriver.js';
import { coverageOfPaths, generateTaskPaths, pathEdges } from './taskModel.js';
import type { ModelPath } from './taskModel.js';

const paths = generateTaskPaths();
const takenAtRuntime = new Set<string>();
let pathsRun = 0;

async function runPath(path: ModelPath): Promise<void> {
  const run = await TaskPathRun.start();
  try {
    const [initial, ...rest] = path.steps;
    await run.create(initial!.state);
    let before = initial!.state;
    for (const step of rest) {
      await run.step(before, step.event as Parameters<TaskPathRun['step']>[1], step.state);
      before = step.state;
    }
    await run.finish(pathEdges(path, edgeLabel));
    for (const edge of run.takenAtRuntime()) takenAtRuntime.add(edge);
    pathsRun++;
  } finally {
    await run.dispose();
  }
}

describe('task machine paths, end to end over MCP', () => {
  // Only the `expire` step moves this clock; a path's other steps cannot run into the ttl.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  for (const path of paths) it(path.description, () => runPath(path));
});

describe('task machine coverage', () => {
  it('the generated paths visit 100% of the states and transitions of the task machine', () => {
    const report = coverageOfPaths(taskMachine, paths, edgeLabel);
    console.info(`task machine coverage by ${paths.length} generated paths: ${formatCoverage(report)}`);
    expect(report.states.missing).toEqual([]);
    expect(report.transitions.missing).toEqual([]);
  });

  it('the real task actors took every transition of the machine while the paths ran', () => {
    expect(pathsRun, 'every generated path ran in this file (run it unfiltered)').toBe(paths.length);
    const figures = coverageOfTaken(taskMachine, takenAtRuntime, edgeLabel);
    console.info(`transitions taken by the running task actors: ${figures.visited}/${figures.defined}`);
    expect(figures.missing).toEqual([]);
  });
});
