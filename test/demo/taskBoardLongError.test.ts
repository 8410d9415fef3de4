import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_MESSAGE, TaskBoard, describeError } from '../../src/demo/liveView/taskBoard.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';

describe('TaskBoard and a long error text a sanitiser lets through', () => {
  it('keeps it cut at MAX_MESSAGE characters, as a status text', async () => {
    const board = new TaskBoard();
    // A sanitiser that lets every event through as it is (the work's Error included).
    const tasks = testTaskSupport({ inspect: board.observer, sanitize: { event: (event) => event, snapshot: (snapshot) => snapshot } });
    const session = await connectInMemory(tasks, (server) => {
      // A tool whose error quotes the client's input: 1 MB of it.
      tasks.registerTool(server, 'quotes', { taskSupport: 'required', inputSchema: { text: z.string() } }, async ({ text }) => {
        throw new Error(`no such record: ${text}`);
      });
    });
    const broken = await createTask(session.client, 'quotes', { text: 'x'.repeat(1_000_000) });
    await taskResult(session.client, broken.taskId);
    await eventually(() => board.tasks().some((t) => t.taskId === broken.taskId && !t.live));
    const view = board.tasks().find((t) => t.taskId === broken.taskId)!;
    expect(view.state).toBe('failed');
    expect(view.error).toBe(`no such record: ${'x'.repeat(MAX_MESSAGE - 'no such record: '.length)}…`);
    await session.close();
    await tasks.close();
  });

  it('cuts an error given as a string too, never inside a surrogate pair', () => {
    expect(describeError(`${'y'.repeat(MAX_MESSAGE - 1)}😀tail`)).toBe(`${'y'.repeat(MAX_MESSAGE - 1)}…`);
    expect(describeError('z'.repeat(MAX_MESSAGE))).toBe('z'.repeat(MAX_MESSAGE));
  });
});
