import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InspectionEvent, Observer } from 'xstate';
import { startStatelyInspector } from '../inspect/statelyInspector.js';
import type { StatelyInspector } from '../inspect/statelyInspector.js';
import { liveViewRoutes } from './liveView/routes.js';
import { TaskBoard } from './liveView/taskBoard.js';

/** Options of {@link observeDemo}. */
export interface DemoObservabilityOptions {
  /** Also feed the Stately inspector through its WebSocket relay on this port (0: a free one). */
  statelyPort?: number;
}

/** What the demo server watches its tasks with: the live view, and the Stately inspector on request. */
export interface DemoObservability {
  /** For `TaskSupport`'s `inspect` option (TaskSupport sanitises before anything gets here). */
  readonly inspect: Observer<InspectionEvent>;
  /** For `serveHttp`'s `routes` option: `/tasks` and `/tasks/events`. */
  readonly routes: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly board: TaskBoard;
  readonly stately: StatelyInspector | undefined;
  /** Lines telling a person what to open, given the MCP endpoint's URL. */
  describe(mcpUrl: string): string[];
  /** Ends the live view's streams and the Stately relay; call after `TaskSupport.close()`. */
  stop(): Promise<void>;
}

/** Sets up the demo's inspection: one observer feeding the live view and, if asked, Stately's inspector. */
export async function observeDemo(options: DemoObservabilityOptions = {}): Promise<DemoObservability> {
  const board = new TaskBoard();
  const liveView = liveViewRoutes(board);
  const stately = options.statelyPort === undefined ? undefined : await startStatelyInspector({ port: options.statelyPort });
  const targets = stately ? [board.observer, stately.inspect] : [board.observer];
  return {
    inspect: { next: (event) => targets.forEach((target) => target.next?.(event)) },
    routes: (req, res) => liveView.routes(req, res),
    board,
    stately,
    describe: (mcpUrl) => [
      `live view: ${new URL('/tasks', mcpUrl).href} (every task's state, live; works offline)`,
      ...(stately
        ? [
            `Stately inspector: open ${stately.url} (relay ${stately.relayUrl}; the page embeds stately.ai/inspect, so that browser needs internet)`,
          ]
        : []),
    ],
    stop: async () => {
      liveView.close();
      await stately?.stop();
    },
  };
}

/** `--inspect` → 8080, `--inspect=9000` → 9000, absent → undefined (no Stately relay). */
export function statelyPortFromArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number | undefined {
  const flag = args.find((arg) => arg === '--inspect' || arg.startsWith('--inspect='));
  if (flag === undefined) return undefined;
  const value = flag.includes('=') ? flag.slice('--inspect='.length) : (env['INSPECT_PORT'] ?? '8080');
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--inspect: bad port ${JSON.stringify(value)}`);
  return port;
}
