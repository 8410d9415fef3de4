import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveView } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import type { TaskView } from '../../src/demo/liveView/taskBoard.js';
import { serveLiveView } from '../support/serveLiveView.js';
import { connectInMemory, createTask, deferred, eventually, testTaskSupport } from '../support/harness.js';

/** The live view's messages against a burst of tasks, and its routes once it is closed. */

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const MAX_TASKS = 10;

async function serve(): Promise<{ board: TaskBoard; view: LiveView; url: string; start(n: number): Promise<unknown> }> {
  const board = new TaskBoard();
  const tasks = testTaskSupport({ inspect: board.observer });
  cleanups.push(() => tasks.close());
  const release = deferred();
  cleanups.push(() => release.resolve());
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'hold', { taskSupport: 'required', inputSchema: { n: z.number() } }, async ({ n }, task) => {
      await task.status(`holding ${n}`);
      await release.promise;
      return { content: [] };
    });
  });
  cleanups.push(() => session.close());
  // A long flush: the burst's changes pile up into few messages, as 100,000 tasks do in 100 ms.
  const view = liveViewRoutes(board, { flushMs: 1_000, maxTasks: MAX_TASKS });
  const served = await serveLiveView(view);
  cleanups.push(() => served.close());
  const url = served.events;
  const start = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => createTask(session.client, 'hold', { n: i })));
  return { board, view, url, start };
}

interface Message {
  event: string;
  data: { tasks: TaskView[]; removed?: string[] };
}

/** A reader of the event stream, keeping every message. */
function read(url: string): Promise<{ status: number; messages: Message[]; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = get(url, (res) => {
      const messages: Message[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (event && data) messages.push({ event, data: JSON.parse(data) as Message['data'] });
        }
      });
      res.on('error', () => {});
      const ended = new Promise<void>((done) => res.once('close', () => done()));
      cleanups.push(() => void request.destroy());
      resolve({ status: res.statusCode ?? 0, messages, ended });
    });
    request.on('error', reject);
  });
}

/** The rows a page shows after `messages`, as client.js applies them: live newest first, then finished; at most MAX_TASKS. */
function pageRows(messages: readonly Message[]): string[] {
  const rows = new Map<string, TaskView>();
  for (const { event, data } of messages) {
    if (event === 'snapshot') rows.clear();
    if (event !== 'snapshot' && event !== 'update') continue;
    for (const task of data.tasks) rows.set(task.taskId, task);
    for (const taskId of data.removed ?? []) rows.delete(taskId);
  }
  return [...rows.values()]
    .sort((a, b) => (a.live !== b.live ? (a.live ? -1 : 1) : a.live ? b.startedAt - a.startedAt : (b.endedAt ?? 0) - (a.endedAt ?? 0)))
    .slice(0, MAX_TASKS)
    .map((task) => task.taskId);
}

describe('the live view under a burst of tasks', () => {
  it('sends no message with more tasks than a page shows (a new snapshot instead), and the page still ends up right', async () => {
    const { board, url, start } = await serve();
    const stream = await read(url);
    await eventually(() => stream.messages.length === 1);
    await start(60);
    await eventually(() => board.counts()['working'] === 60 && board.tasks().every((task) => task.message !== undefined));
    // The page shows the newest tasks, each with its status (tasks started in the same ms may come in either order).
    const newest = board.tasks(MAX_TASKS);
    const startedAt = new Map(board.tasks().map((task) => [task.taskId, task.startedAt]));
    await eventually(() => {
      const rows = pageRows(stream.messages);
      const views = new Map(stream.messages.flatMap((message) => message.data.tasks.map((task) => [task.taskId, task] as const)));
      return (
        rows.length === MAX_TASKS &&
        rows.every((taskId) => startedAt.get(taskId)! >= newest.at(-1)!.startedAt && views.get(taskId)?.message !== undefined)
      );
    });
    for (const { event, data } of stream.messages) {
      expect(data.tasks.length + (data.removed?.length ?? 0), event).toBeLessThanOrEqual(MAX_TASKS);
    }
    expect(stream.messages.filter((message) => message.event === 'snapshot').length).toBeGreaterThan(1);
  });

  it('refuses a stream once closed (503), instead of holding it open with nothing to send', async () => {
    const { view, url } = await serve();
    view.close();
    const stream = await read(url);
    expect(stream.status).toBe(503);
    await stream.ended;
  });
});
