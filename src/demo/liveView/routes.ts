import type { IncomingMessage, ServerResponse } from 'node:http';
import { taskMachine } from '../../../machines/task.js';
import { machineGraph } from '../diagrams/machineGraph.js';
import { stateDiagramSvg } from '../diagrams/stateSvg.js';
import { targetUrl } from '../../http/requestTarget.js';
import { MAX_TIMER_MS, timerOption } from '../../timerBounds.js';
import { liveViewPage } from './page.js';
import { poolAsker } from './poolAsker.js';
import type { PoolQueueView } from './poolAsker.js';
import type { TaskBoard, TaskView } from './taskBoard.js';

/** Options of {@link liveViewRoutes}. */
export interface LiveViewOptions {
  /**
   * Where the page is served. Default `/tasks` (its event stream is `<path>/events`). A path as a
   * request spells it: from `/`, no query, and `"`, `<`, spaces and the like percent-encoded
   * (`/ops%20view`); any other throws a TypeError, as no request could reach it.
   */
  path?: string;
  /** Changes are batched and pushed at most this often (ms). Default 100. */
  flushMs?: number;
  /** Tasks sent to a page that connects, and shown at most. Default 1,000. */
  maxTasks?: number;
  /** Also answer `GET /` (a redirect to the page) and `GET /favicon.ico`. Default true. */
  home?: boolean;
  /**
   * A worker pool's queues (a front's `pool.view()`): pushed as a `pool` event every `poolEveryMs`
   * while a page is open, shown as the page's "Worker pool" panel; a call that fails or takes over
   * `poolTimeoutMs` is pushed as `poolUnavailable`, which the panel shows. Default: no panel.
   */
  pool?: () => Promise<readonly PoolQueueView[]>;
  /** Default 1,000. */
  poolEveryMs?: number;
  /**
   * How long one `pool()` call may take (ms) before the panel says the pool's status is unavailable
   * and a later refresh asks again. Default 5,000.
   */
  poolTimeoutMs?: number;
  /** Event streams open at once; more get 503 (each may hold its snapshot and 8 MiB behind it). Default 16. */
  maxStreams?: number;
}

export type { PoolQueueView } from './poolAsker.js';

/**
 * Bytes a stream may be behind, past its first snapshot, before it is cut. A page that stopped
 * reading (or a peer that never did) would otherwise keep every update since in this process's
 * memory; a cut page's EventSource reconnects a second later and starts over from a fresh snapshot.
 */
const MAX_BEHIND = 8 * 1024 * 1024;

/** The live view's HTTP side, for `serveHttp`'s `routes` option. */
export interface LiveView {
  /** Serves the page, its Server-Sent Events stream (and `/`, `/favicon.ico`); returns false for other requests. */
  routes(req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends every open stream and the flush timer. */
  close(): void;
}

/**
 * Serves the live view of `board`: `GET /tasks` (the page) and `GET /tasks/events` (SSE: a
 * `snapshot` on connect, then `update`s with the tasks that changed, or a new `snapshot` when more
 * changed than a page shows). While no page is open the board's changes are dropped at once, so an
 * unwatched server pays nothing for the stream.
 */
export function liveViewRoutes(board: TaskBoard, options: LiveViewOptions = {}): LiveView {
  const path = pagePath(options.path ?? '/tasks');
  // A page at `/` (or `/ops/`) has its stream at `/events`, not `//events`: a page reads `//…` as another host.
  const eventsPath = `${path.replace(/\/$/, '')}/events`;
  const flushMs = liveViewMs('flushMs', options.flushMs ?? 100);
  const poolEveryMs = liveViewMs('poolEveryMs', options.poolEveryMs ?? 1_000);
  const poolTimeoutMs = liveViewMs('poolTimeoutMs', options.poolTimeoutMs ?? 5_000);
  const maxTasks = liveViewCount('maxTasks', options.maxTasks ?? 1_000);
  // Served at `/` itself, the page is the home: a redirect from `/` to `/` would loop.
  const home = (options.home ?? true) && path !== '/';
  const maxStreams = liveViewCount('maxStreams', options.maxStreams ?? 16);
  const page = liveViewPage({
    diagramSvg: stateDiagramSvg(machineGraph(taskMachine), { title: 'task machine' }),
    eventsPath,
    maxCards: maxTasks,
  });

  /** Open streams, each with the bytes it may have queued before it is cut (its snapshot plus MAX_BEHIND). */
  const clients = new Map<ServerResponse, number>();
  const broadcast = (message: string): void => {
    for (const [client, allowance] of clients) {
      if (client.writableLength <= allowance) client.write(message);
      else {
        clients.delete(client);
        client.destroy();
      }
    }
  };
  let poolTimer: NodeJS.Timeout | undefined;
  const poolQuestions = options.pool && poolAsker(options.pool, poolTimeoutMs, (event, data) => broadcast(sse(event, data)));
  const pushPool = (): void => poolQuestions?.ask();
  const changed = new Map<string, TaskView>();
  const removed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const snapshot = (): string => sse('snapshot', { tasks: board.tasks(maxTasks), counts: board.counts() });
  const flush = (): void => {
    timer = undefined;
    if (changed.size === 0 && removed.size === 0) return;
    // More changes than a page shows (a burst of new tasks): the page's tasks afresh instead, so no
    // message is larger than a snapshot. Every change listed, 100,000 new tasks were one 24 MB
    // update per open page (held by a page that stopped reading, past MAX_BEHIND), serialised on
    // this event loop, for a page that keeps 1,000 rows of it.
    const message =
      changed.size + removed.size > maxTasks
        ? snapshot()
        : sse('update', { tasks: [...changed.values()], removed: [...removed], counts: board.counts() });
    changed.clear();
    removed.clear();
    broadcast(message);
  };

  const unsubscribe = board.subscribe((change) => {
    if (clients.size === 0) return;
    if (change.type === 'task') {
      changed.set(change.task.taskId, change.task);
      removed.delete(change.task.taskId);
    } else {
      changed.delete(change.taskId);
      removed.add(change.taskId);
    }
    timer ??= setTimeout(flush, flushMs);
  });

  return {
    routes(req, res) {
      const url = targetUrl(req);
      if (req.method !== 'GET' || !url) return false;
      if (home && url.pathname === '/') {
        // Keeps the query: an operator opening /?token=… lands on the page with its token.
        res.writeHead(302, { location: `${path}${url.search}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
        return true;
      }
      if (home && url.pathname === '/favicon.ico') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' });
        res.end(FAVICON);
        return true;
      }
      if (url.pathname !== path && url.pathname !== eventsPath) return false;
      if (url.pathname === path) {
        // no-referrer: the page may have been opened with ?token=<operator token>.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end(page);
        return true;
      }
      // Closed: a stream opened now would get no update and no end, and hold its connection (and a
      // pool timer nothing clears) until the peer leaves.
      if (closed || clients.size >= maxStreams) {
        res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'retry-after': '5' });
        res.end(closed ? 'The live view is closed' : 'Too many live view streams open');
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const first = `retry: 1000\n\n${snapshot()}`;
      res.write(first);
      clients.set(res, Buffer.byteLength(first) + MAX_BEHIND);
      if (options.pool) {
        pushPool();
        // Polled only while a page is open.
        poolTimer ??= setInterval(pushPool, poolEveryMs);
      }
      req.once('close', () => {
        clients.delete(res);
        if (clients.size === 0 && poolTimer) {
          clearInterval(poolTimer);
          poolTimer = undefined;
        }
      });
      return true;
    },
    close() {
      closed = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (poolTimer) clearInterval(poolTimer);
      poolTimer = undefined;
      poolQuestions?.close();
      for (const client of clients.keys()) client.end();
      clients.clear();
    },
  };
}

/** A small state-machine glyph, so browsers stop asking for a missing icon. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="9" width="12" height="14" rx="4" fill="#2563eb"/>' +
  '<rect x="18" y="9" width="12" height="14" rx="4" fill="#16a34a"/><path d="M14 16h4" stroke="#0f172a" stroke-width="2"/></svg>';

/**
 * `path` when a request can reach it, read back as `targetUrl` (src/http/requestTarget.ts) reads a request's: `"` or `<`
 * in it were served by no request (a request brings them as `%22`, `%3C`), so the page was unreachable
 * with nothing to say why. Not `//…` either: the page's script and the `/` redirect would take it
 * for another host (`//evil.example/tasks`).
 */
function pagePath(path: string): string {
  let read: URL | undefined;
  try {
    read = /^\/(?!\/)[^?#]*$/.test(path) ? new URL(`http://localhost${path}`) : undefined;
  } catch {
    // Not a path after all: refused below.
  }
  if (read?.pathname === path) return path;
  throw new TypeError(
    `mcp-task-actors: the live view's path must be a URL path as requests spell it (e.g. /tasks; percent-encode other characters), got ${JSON.stringify(path)}`,
  );
}

/**
 * A live view timer option: a number of ms a timer can wait (NaN or -1 fired every 1 ms). Not
 * Infinity: a view that never pushes, or a pool question never given up on, is what these prevent.
 */
function liveViewMs(name: string, ms: number): number {
  if (ms === Infinity) throw new RangeError(`liveView.${name} must be a number of ms from 1 to ${MAX_TIMER_MS}, got Infinity`);
  // Infinity aside, timerOption answers a number or throws.
  return timerOption(`liveView.${name}`, ms)!;
}

/** A live view count option: a whole number from 1 (0 or NaN left every page empty or refused). */
function liveViewCount(name: string, count: number): number {
  if (Number.isSafeInteger(count) && count > 0) return count;
  throw new RangeError(`liveView.${name} must be a positive whole number, got ${String(count)}`);
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
