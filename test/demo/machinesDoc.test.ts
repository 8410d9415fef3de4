import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskMachine } from '../../machines/task.js';
import { taskSupportMachine } from '../../machines/taskSupport.js';
import { renderMachinesDoc } from '../../src/demo/diagrams/machinesDoc.js';
import { mermaidStateDiagram } from '../../src/demo/diagrams/mermaid.js';

describe('docs/machines.md', () => {
  it('is what `npm run docs:machines` generates from the machines today (run it after changing a machine)', () => {
    const committed = readFileSync(new URL('../../docs/machines.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderMachinesDoc());
  });

  it('draws every state of both machines and every edge that changes state', () => {
    const task = mermaidStateDiagram(taskMachine);
    for (const state of ['running', 'working', 'input_required', 'completed', 'failed', 'cancelled', 'expired']) {
      expect(task).toMatch(new RegExp(`\\b${state}\\b`));
    }
    expect(task).toContain('state running {');
    expect(task).toContain('working --> input_required : input.request');
    expect(task).toContain('input_required --> working : input.response [isLastAwaited]');
    expect(task).toContain('running --> completed : work.done');
    expect(task).toContain('running --> failed : work.error');
    expect(task).toContain('running --> cancelled : cancel');
    // No forbidden edge: nothing leaves a terminal state except to the end marker.
    expect(task).not.toMatch(/(completed|failed|cancelled|expired) --> (?!\[\*\])/);

    const root = mermaidStateDiagram(taskSupportMachine);
    expect(root).toContain('running --> closing : close');
    expect(root).toContain('closing --> closed : supervisor done');
  });
});

describe('README.md', () => {
  it('shows the generated task diagram between its task-diagram markers, up to date', async () => {
    const { withTaskDiagram } = await import('../../src/demo/diagrams/machinesDoc.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const refreshed = withTaskDiagram(readme);
    expect(refreshed, 'README.md lost its task-diagram markers').toBeDefined();
    expect(readme).toBe(refreshed);
    expect(readme).toContain(mermaidStateDiagram(taskMachine));
  });
});
