import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveView, LiveViewOptions } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import type { TaskSupport } from '../../src/index.js';
import { serveLiveView } from '../support/serveLiveView.js';
import { connectInMemory, createTask, eventually, taskResult, testTaskSupport } from '../support/harness.js';
import type { Session } from '../support/harness.js';

/** What peers of the live view's event stream can do to the server: stall, pile up, close mid-stream. */

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface Served {
  view: LiveView;
  http: Server;
  events: string;
  tasks: TaskSupport;
  session: Session;
}

/**
 * The live view of a real TaskSupport on a plain HTTP server; `chatty` sets `count` status texts of
 * about 450 characters each (the board shows at most MAX_MESSAGE, 500, of one).
 */
async function serve(options: LiveViewOptions = {}): Promise<Served> {
  const board = new TaskBoard();
  const tasks = testTaskSupport({ inspect: board.observer });
  cleanups.push(() => tasks.close());
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'chatty', { taskSupport: 'required', inputSchema: { count: z.number() } }, async ({ count }, task) => {
      const pad = 'x'.repeat(450);
      for (let n = 0; n < count; n++) {
        await task.status(`${n} ${pad}`);
        // Past the 1 ms flush: each status goes out in an update of its own.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      return { content: [{ type: 'text', text: 'said it all' }] };
    });
  });
  cleanups.push(() => session.close());
  const view = liveViewRoutes(board, { flushMs: 1, ...options });
  const { http, events, close } = await serveLiveView(view);
  cleanups.push(close);
  return { view, http, events, tasks, session };
}

interface Stream {
  status: number;
  text(): string;
  closed: Promise<void>;
  req: IncomingMessage;
}

/** A reading client of the event stream (as a page's EventSource). */
async function read(url: string): Promise<Stream> {
  const { get } = await import('node:http');
  return new Promise<Stream>((resolve, reject) => {
    const request = get(url, (res) => {
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => void chunks.push(chunk));
      res.on('error', () => {});
      const closed = new Promise<void>((done) => res.once('close', () => done()));
      cleanups.push(() => void request.destroy());
      resolve({ status: res.statusCode ?? 0, text: () => chunks.join(''), closed, req: res });
    });
    request.on('error', reject);
  });
}

/** A client that asks for the stream and never reads a byte of it. */
function stall(url: string): { socket: Socket; received(): number; closed: Promise<void> } {
  const { port, pathname } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.pause();
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  let received = 0;
  socket.on('data', (chunk: Buffer) => void (received += chunk.length));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  cleanups.push(() => void socket.destroy());
  return { socket, received: () => received, closed };
}

/** The status line a raw request line gets. */
function statusLine(url: string, target: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise<string>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    socket.on('error', () => {});
    socket.once('close', () => resolve(out.split('\r\n')[0] || 'no answer'));
    // A handler that threw answers nothing: the connection is left open.
    setTimeout(() => socket.destroy(), 3_000).unref();
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  });
}

const within = (promise: Promise<unknown>, ms: number): Promise<'done' | 'timed out'> =>
  Promise.race([promise.then(() => 'done' as const), new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);

describe('the live view facing its stream peers', () => {
  it('cuts a stream whose reader never reads (bounded memory), while a reader that reads gets them all', { timeout: 60_000 }, async () => {
    const { events, session } = await serve();
    const reader = await read(events);
    const stalled = stall(events);
    await eventually(() => reader.text().includes('event: snapshot'));

    // 64 tasks of 400 updates each, each update about 1 KiB: some 25 MiB, far more than loopback's
    // socket buffers and the stream's 8 MiB allowance hold.
    const created = await Promise.all(Array.from({ length: 64 }, () => createTask(session.client, 'chatty', { count: 400 })));
    await Promise.all(created.map(({ taskId }) => taskResult(session.client, taskId)));
    await eventually(() => reader.text().split('"state":"completed"').length > 64, 30_000);

    expect(reader.text()).toContain('"message":"399 x');
    stalled.socket.resume();
    expect(await within(stalled.closed, 10_000)).toBe('done');
    expect(stalled.received()).toBeLessThan(40 * 1024 * 1024);
  });

  it('answers request targets that are no path of its own with 404, from a plain handler that does not catch', async () => {
    const { events } = await serve();
    // `new URL('//', base)` throws: a request line any peer can send.
    expect(await statusLine(events, '//')).toBe('HTTP/1.1 404 Not Found');
    expect(await statusLine(events, '//evil.example/tasks/events')).toBe('HTTP/1.1 404 Not Found');
    expect(await statusLine(events, '/tasks')).toBe('HTTP/1.1 200 OK');
  });

  it('serves a bounded number of streams at once (503 beyond); a closed tab frees its place', async () => {
    const { events } = await serve({ maxStreams: 3 });
    const open = [await read(events), await read(events), await read(events)];
    expect(open.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const refused = await read(events);
    expect(refused.status).toBe(503);
    // The tab goes away mid-stream: its place is free again.
    open[0]!.req.destroy();
    await open[0]!.closed;
    await eventually(async () => (await read(events)).status === 200);
  });

  it('asks the worker pool one question at a time: an answer that never comes (Redis away) does not pile up questions', async () => {
    let asked = 0;
    const { events } = await serve({
      poolEveryMs: 10,
      pool: () => {
        asked += 1;
        // The first question throws at once (a broken pool); the next one never gets an answer.
        if (asked === 1) throw new Error('pool unavailable');
        return new Promise(() => {});
      },
    });
    await read(events);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asked).toBe(2);
  });
});
