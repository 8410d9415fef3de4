import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MAX_MESSAGE, TaskBoard, describeError } from '../../src/demo/liveView/taskBoard.js';
import type { BoardChange } from '../../src/demo/liveView/taskBoard.js';
import { connectInMemory, createTask, deferred, eventually, taskResult, testTaskSupport } from '../support/harness.js';

describe('TaskBoard (the live view model, fed by the sanitised inspection stream)', () => {
  it('tracks states, status texts, history and counts; keeps only the most recent finished tasks', async () => {
    const board = new TaskBoard({ keepFinished: 2 });
    const changes: BoardChange[] = [];
    board.subscribe((change) => void changes.push(change));
    const tasks = testTaskSupport({ inspect: board.observer });
    const release = deferred();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
        await task.status('preparing');
        await task.elicit({ message: 'ok?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
        return { content: [{ type: 'text', text: 'asked' }] };
      });
      tasks.registerTool(server, 'wait', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
        await task.status(`waiting ${n}`);
        await release.promise;
        return { content: [{ type: 'text', text: 'done' }] };
      });
    });
    session.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok: true } }));

    const asked = await createTask(session.client, 'ask', {});
    await taskResult(session.client, asked.taskId);
    await eventually(() => board.tasks().some((t) => t.taskId === asked.taskId && !t.live));
    const askView = board.tasks().find((t) => t.taskId === asked.taskId)!;
    expect(askView.history.map((step) => [step.state, step.event])).toEqual([
      ['working', 'start'],
      ['input_required', 'input.request'],
      ['working', 'input.response'],
      ['completed', 'work done'],
    ]);
    expect(askView.stateId).toBe('task.completed');
    expect(askView.message).toBeUndefined();
    expect(askView.endedAt).toBeGreaterThanOrEqual(askView.startedAt);

    const waiting = await Promise.all([1, 2, 3].map((n) => createTask(session.client, 'wait', { n })));
    await eventually(() => board.counts()['working'] === 3);
    expect(
      board
        .tasks()
        .filter((t) => t.live)
        .map((t) => t.message)
        .sort(),
    ).toEqual(['waiting 1', 'waiting 2', 'waiting 3']);
    // Live tasks first, newest first.
    expect(
      board
        .tasks()
        .slice(0, 3)
        .map((t) => t.taskId),
    ).toEqual(waiting.map((t) => t.taskId).reverse());

    release.resolve();
    await Promise.all(waiting.map((t) => taskResult(session.client, t.taskId)));
    await eventually(() => board.counts()['completed'] === 4);
    expect(board.counts()).toMatchObject({ working: 0, input_required: 0, completed: 4 });
    expect(board.tasks()).toHaveLength(2);
    expect(board.tasks().every((t) => !t.live)).toBe(true);
    const removed = changes.filter((c) => c.type === 'removed').map((c) => (c.type === 'removed' ? c.taskId : ''));
    expect(removed).toHaveLength(2);
    expect(removed[0]).toBe(asked.taskId);

    await session.close();
    await tasks.close();
  });

  it("names each task's tool and says why a failed one failed, without the error's text", async () => {
    const board = new TaskBoard();
    const tasks = testTaskSupport({ inspect: board.observer });
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'breaks', { taskSupport: 'required' }, async () => {
        throw new TypeError('secret customer #471 not found');
      });
    });
    const broken = await createTask(session.client, 'breaks', {});
    await taskResult(session.client, broken.taskId);
    await eventually(() => board.tasks().some((t) => t.taskId === broken.taskId && !t.live));
    const view = board.tasks().find((t) => t.taskId === broken.taskId)!;
    expect(view.tool).toBe('breaks');
    expect(view.state).toBe('failed');
    expect(view.error).toBe('TypeError, message of 30 characters hidden');
    // '#' is in no task id or timestamp: '4711' once matched the digits of startedAt (1796578471186).
    expect(JSON.stringify(view)).not.toContain('#471');
    await session.close();
    await tasks.close();
  });

  it('shows a long status text cut, whole up to MAX_MESSAGE characters, never splitting a surrogate pair', async () => {
    const board = new TaskBoard();
    const tasks = testTaskSupport({ inspect: board.observer });
    const release = deferred();
    const session = await connectInMemory(tasks, (server) => {
      tasks.registerTool(server, 'echoes', { taskSupport: 'required', inputSchema: { text: z.string() } }, async ({ text }, task) => {
        await task.status(text);
        await release.promise;
        return { content: [{ type: 'text', text: 'done' }] };
      });
    });
    // A tool that copies client input into its status: 1 MB, then an emoji across the cut.
    const long = await createTask(session.client, 'echoes', { text: 'x'.repeat(1_000_000) });
    const pair = await createTask(session.client, 'echoes', { text: `${'y'.repeat(MAX_MESSAGE - 1)}😀tail` });
    const exact = await createTask(session.client, 'echoes', { text: 'z'.repeat(MAX_MESSAGE) });
    const messageOf = (taskId: string): string | undefined => board.tasks().find((t) => t.taskId === taskId)?.message;
    await eventually(() => [long, pair, exact].every((t) => messageOf(t.taskId) !== undefined));
    expect(messageOf(long.taskId)).toBe(`${'x'.repeat(MAX_MESSAGE)}…`);
    expect(messageOf(pair.taskId)).toBe(`${'y'.repeat(MAX_MESSAGE - 1)}…`);
    expect(messageOf(exact.taskId)).toBe('z'.repeat(MAX_MESSAGE));
    release.resolve();
    await session.close();
    await tasks.close();
  });

  it('reads errors as the sanitiser passed them', () => {
    expect(describeError('[redacted RangeError(message: string(5)), 2 bytes]')).toBe('RangeError, message of 5 characters hidden');
    expect(describeError('[redacted object{code: number}, 12 bytes]')).toBe('error details hidden by the inspection sanitiser');
    // A custom sanitiser that lets messages through.
    expect(describeError('disk full')).toBe('disk full');
    expect(describeError({ message: 'disk full' })).toBe('disk full');
    expect(describeError(undefined)).toBe('unknown error');
  });
});
