/**
 * The application's inspection code that throws — a `sanitize` hook, the `inspect` observer — must
 * not reach the actors it watches or the process: XState calls the observer and the filter in the
 * middle of an actor's step (a throw there hung the task until its ttl), and the Stately inspector
 * reads the sanitised event and snapshot on a timer of its own (a throw there was an uncaught
 * exception: the process ended). Tasks end as they would without inspection, the inspector gets
 * stand-ins saying what was not shown, and the first error of each hook is logged once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import type { InspectionEvent } from 'xstate';
import { TaskSupport } from '../../src/index.js';
import type { InspectionSanitizer, TaskSupportOptions } from '../../src/index.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

const open: { tasks: TaskSupport[]; sessions: Session[]; sockets: WebSocket[] } = { tasks: [], sessions: [], sockets: [] };
afterEach(async () => {
  for (const s of open.sockets.splice(0)) s.terminate();
  for (const s of open.sessions.splice(0)) await s.close();
  for (const t of open.tasks.splice(0)) await t.close();
});

const boom = (): never => {
  throw new Error('hook bug');
};

/** A server with `options` and a tool that answers at once; runs one task to its end. */
async function runOneTask(options: TaskSupportOptions): Promise<{ text: string; errors: string[] }> {
  const errors: string[] = [];
  const tasks = testTaskSupport({ ...options, logger: { warn: () => {}, error: (message: string) => void errors.push(message) } });
  open.tasks.push(tasks);
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'echo', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }) => ({
      content: [{ type: 'text', text: `n=${n}` }],
    })),
  );
  open.sessions.push(session);
  const task = await createTask(session.client, 'echo', { n: 7 });
  const result = await taskResult(session.client, task.taskId);
  return { text: (result.content[0] as { text: string }).text, errors };
}

describe('an inspect observer or sanitize hook that throws', () => {
  it.each<[string, InspectionSanitizer]>([
    ['filter', { filter: boom }],
    ['event', { event: boom }],
    ['snapshot', { snapshot: boom }],
  ])('sanitize.%s: the task ends with its result, and the error is logged once', async (hook, sanitize) => {
    // The observer reads what the inspector would, so a throwing event or snapshot hook runs.
    const seen: string[] = [];
    const inspect = (event: InspectionEvent): void => void seen.push(JSON.stringify(event));
    const { text, errors } = await runOneTask({ inspect, sanitize });
    expect(text).toBe('n=7');
    expect(errors).toEqual([`mcp-task-actors: the sanitize.${hook} hook threw; inspection goes on without it (logged once)`]);
    if (hook === 'filter') expect(seen).toEqual([]);
    else expect(seen.some((json) => json.includes('[not shown: the sanitize hook threw]'))).toBe(true);
  });

  it('an observer that throws: the task ends with its result, and the error is logged once', async () => {
    const { text, errors } = await runOneTask({ inspect: boom });
    expect(text).toBe('n=7');
    expect(errors).toEqual(['mcp-task-actors: the inspect observer threw; inspection goes on without it (logged once)']);
  });

  it('with sanitize: false too', async () => {
    const { text, errors } = await runOneTask({ inspect: { next: boom }, sanitize: false });
    expect(text).toBe('n=7');
    expect(errors).toEqual(['mcp-task-actors: the inspect observer threw; inspection goes on without it (logged once)']);
  });

  it.each<[string, InspectionSanitizer]>([
    ['event', { event: boom }],
    ['snapshot', { snapshot: boom }],
  ])('inspect: true with sanitize.%s throwing: no uncaught exception, and the viewer gets stand-ins', async (hook, sanitize) => {
    const logged: string[] = [];
    const log = (message: string): void => void logged.push(message);
    const tasks = testTaskSupport({ inspect: true, inspectPort: 0, sanitize, logger: { warn: log, error: log } });
    open.tasks.push(tasks);
    await eventually(() => logged.some((line) => line.includes('ws://127.0.0.1:')));
    const socket = new WebSocket(/ws:\/\/127\.0\.0\.1:\d+/.exec(logged.join('\n'))![0]);
    open.sockets.push(socket);
    const raw: string[] = [];
    socket.on('message', (data) => void raw.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    const session = await connectInMemory(tasks, (server) =>
      tasks.registerTool(server, 'echo', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }) => ({
        content: [{ type: 'text', text: `n=${n}` }],
      })),
    );
    open.sessions.push(session);
    const task = await createTask(session.client, 'echo', { n: 7 });
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'n=7' }]);
    // What the hook would have shown reaches the viewer as a stand-in saying so.
    await eventually(() => raw.some((text) => text.includes('@xstate.snapshot') && text.includes('[not shown: the sanitize hook threw]')));
    expect(logged.filter((line) => line.includes('threw'))).toEqual([
      `mcp-task-actors: the sanitize.${hook} hook threw; inspection goes on without it (logged once)`,
    ]);
    // The uncaught exception of the old code surfaced on the Stately inspector's timer: failOnUnhandled.ts fails the test.
  });
});

describe('inspectPort at construction', () => {
  // Refused before anything starts (it is checked first): the relay used to start after the
  // constructor returned and only warn that it could not listen, inspection off.
  it.each([-1, 1.5, 65_536, NaN, Infinity, '8080'])('%o is refused with a RangeError naming it', (bad) => {
    expect(() => new TaskSupport({ inspect: true, inspectPort: bad as number })).toThrow(
      new RangeError(
        `inspectPort must be a whole number from 0 to 65535 (0 picks a free port), got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`,
      ),
    );
  });
});
