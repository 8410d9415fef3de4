import type { InspectionEvent, Observer } from 'xstate';

/** Inspection as TaskSupport runs it: the observer for the root actor (if any) and how to end it. */
export interface InspectionSetup {
  observer: Observer<InspectionEvent> | undefined;
  /** Ends what TaskSupport started for inspection itself (the `inspect: true` relay); a no-op otherwise. */
  stop(): Promise<void>;
}

/** How many events `inspect: true` keeps while the Stately relay is still starting. */
const STARTUP_BUFFER = 1000;

/**
 * The `inspect: true` inspection: the Stately relay, started on demand (`import()`, so the main entry
 * never loads a WebSocket stack), and an observer (made by `guard`, which sanitises) that feeds it,
 * holding the first {@link STARTUP_BUFFER} events until the relay is up. If the relay cannot start,
 * a warning says why and inspection is off: the server goes on serving MCP.
 * @internal
 */
export function lazyStatelyInspector(
  guard: (target: (event: InspectionEvent) => void) => Observer<InspectionEvent>,
  logger: Pick<Console, 'warn' | 'error'>,
  port: number,
): InspectionSetup {
  let early: InspectionEvent[] | undefined = [];
  let forward: ((event: InspectionEvent) => void) | undefined;
  const ready = import('./statelyInspector.js')
    .then(({ startStatelyInspector }) => startStatelyInspector({ port }))
    .then(
      (inspector) => {
        logger.warn(`mcp-task-actors: Stately inspector relay at ${inspector.relayUrl}; open ${inspector.url} to watch the tasks`);
        forward = (event) => inspector.inspect.next?.(event);
        for (const event of early ?? []) forward(event);
        early = undefined;
        return inspector;
      },
      (error: unknown) => {
        early = undefined;
        // Inspection is a side view: whatever keeps it from starting, the server goes on serving MCP.
        if (error instanceof Error && error.name === 'RelayListenError') {
          logger.warn(
            `mcp-task-actors: inspect: true could not start the Stately inspector: ${error.message.replace(/^mcp-task-actors: /, '')}. ` +
              'The server keeps serving MCP without it; set inspectPort to a free port (0 picks one).',
          );
        } else {
          logger.error('mcp-task-actors: inspect: true could not start the Stately inspector (is @statelyai/inspect installed?)', error);
        }
        return undefined;
      },
    );
  const observer = guard((event) => {
    if (forward) forward(event);
    else if (early && early.length < STARTUP_BUFFER) early.push(event);
  });
  return {
    observer,
    stop: async () => {
      const inspector = await ready;
      await inspector?.stop();
    },
  };
}
