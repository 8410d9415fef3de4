import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InspectionEvent, Observer } from 'xstate';
import { pathOf } from '../http/requestTarget.js';
import { startStatelyInspector } from '../inspect/statelyInspector.js';
import type { StatelyInspector } from '../inspect/statelyInspector.js';
import { liveViewRoutes } from './liveView/routes.js';
import type { LiveViewOptions } from './liveView/routes.js';
import { TaskBoard } from './liveView/taskBoard.js';
import { refuseOperatorRequest } from './operator.js';
import type { OperatorAccess } from './operator.js';

/** Options of {@link observeDemo}. */
export interface DemoObservabilityOptions {
  /**
   * Feed and serve the live view, an operator page (see `OperatorOptions`). Default `false`: no
   * board is fed and `/tasks` is not served.
   */
  liveView?: boolean;
  /** Also feed the Stately inspector through its WebSocket relay on this port (0: a free one). */
  statelyPort?: number;
  /** Where a relay that cannot start is reported. Default `console.warn`. */
  warn?: (message: string) => void;
  /** A front's worker pool: the live view shows its queues. */
  pool?: LiveViewOptions['pool'];
}

/** What the demo server watches its tasks with: the live view, and the Stately inspector on request. */
export interface DemoObservability {
  /** For `TaskSupport`'s `inspect` option (TaskSupport sanitises before anything gets here). */
  readonly inspect: Observer<InspectionEvent>;
  /** For `serveHttp`'s `routes` option: `/tasks` and `/tasks/events`, to requests with operator access. */
  readonly routes: (req: IncomingMessage, res: ServerResponse, access: OperatorAccess) => boolean;
  /** The live view's model; undefined when the live view is off. */
  readonly board: TaskBoard | undefined;
  readonly stately: StatelyInspector | undefined;
  /** Lines telling a person what to open, given the MCP endpoint's URL and whether the operator pages need a token. */
  describe(mcpUrl: string, tokenRequired?: boolean): string[];
  /** Ends the live view's streams and the Stately relay; call after `TaskSupport.close()`. */
  stop(): Promise<void>;
}

/** Sets up the demo's inspection: one observer feeding the live view and, if asked, Stately's inspector. */
export async function observeDemo(options: DemoObservabilityOptions = {}): Promise<DemoObservability> {
  const board = options.liveView ? new TaskBoard() : undefined;
  const liveView = board ? liveViewRoutes(board, options.pool ? { pool: options.pool } : {}) : undefined;
  const stately = options.statelyPort === undefined ? undefined : await startStately(options.statelyPort, options.warn ?? console.warn);
  const targets = [board?.observer, stately?.inspect].filter((target) => target !== undefined);
  return {
    inspect: { next: (event) => targets.forEach((target) => target.next?.(event)) },
    routes: (req, res, access) => {
      if (!liveView || !isLiveViewPath(req)) return false;
      return access.granted ? liveView.routes(req, res) : refuseOperatorRequest(access, res);
    },
    board,
    stately,
    describe: (mcpUrl, tokenRequired = false) => [
      liveView
        ? `live view: ${new URL('/tasks', mcpUrl).href}${tokenRequired ? '?token=<MTA_OPERATOR_TOKEN>' : ''} (every task's state, live; works offline)`
        : 'live view: off (an operator page showing every task: on by default on loopback, --live-view with MTA_OPERATOR_TOKEN elsewhere)',
      ...(stately
        ? [
            `Stately inspector: open ${stately.url} (relay ${stately.relayUrl}; the page embeds stately.ai/inspect, so that browser needs internet)`,
          ]
        : []),
    ],
    stop: async () => {
      liveView?.close();
      await stately?.stop();
    },
  };
}

function isLiveViewPath(req: IncomingMessage): boolean {
  // pathOf never throws: `new URL('//', base)` did, on a request line any peer can send.
  const path = pathOf(req);
  return req.method === 'GET' && (path === '/tasks' || path === '/tasks/events' || path === '/' || path === '/favicon.ico');
}

/** The Stately relay, or undefined (and a warning naming the port) when it cannot start: the demo serves on without it. */
async function startStately(port: number, warn: (message: string) => void): Promise<StatelyInspector | undefined> {
  try {
    return await startStatelyInspector({ port });
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^mcp-task-actors: /, '') : String(error);
    warn(
      `--inspect: the Stately inspector is off: ${why}. MCP and the live view are served as usual; try --inspect=<free port> (0 picks one).`,
    );
    return undefined;
  }
}

/** `--inspect` → 8080, `--inspect=9000` → 9000, absent → undefined (no Stately relay). */
export function statelyPortFromArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number | undefined {
  const flag = args.find((arg) => arg === '--inspect' || arg.startsWith('--inspect='));
  if (flag === undefined) return undefined;
  const value = flag.includes('=') ? flag.slice('--inspect='.length) : (env['INSPECT_PORT'] ?? '8080');
  // Digits only, as PORT is read: `Number` takes '' (and ' ') for 0, a random port, and '1e3' or '0x1F90' for ports.
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new Error(`--inspect: bad port ${JSON.stringify(value)}`);
  return port;
}
