import { urlHost } from '../http/urlHost.js';

/** How long the demo's stop may take before it exits anyway: a stop that hangs (a store that never answers) must not hang the process. */
export const STOP_DEADLINE_MS = 10_000;

/** Prints one line, `mcp-task-actors demo: <message>`, on stderr: no stack, the message says what to change. */
export function sayDemo(message: string): void {
  console.error(`mcp-task-actors demo: ${message}`);
}

/** The message of anything thrown, without the library's `mcp-task-actors: ` prefix (the line has its own). */
export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^mcp-task-actors: /, '');
}

/**
 * Runs `stop` on the first SIGINT or SIGTERM, then exits: 0 when it finished, 1 with one line when
 * it failed or outlasted `deadlineMs`. A second signal (Ctrl-C pressed twice, or SIGINT then
 * SIGTERM from a supervisor) is answered with a line and otherwise ignored: with no listener left,
 * Node's default would kill the process in the middle of `stop`, cutting the store's last writes
 * short, and a second `stop` would close everything twice.
 */
export function stopOnSignals(stop: () => Promise<void>, deadlineMs = STOP_DEADLINE_MS): (reason: string) => void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) return sayDemo(`${signal}: already stopping`);
    stopping = true;
    const deadline = setTimeout(() => {
      sayDemo(`stop did not finish within ${deadlineMs} ms; exiting anyway`);
      process.exit(1);
    }, deadlineMs);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        clearTimeout(deadline);
        sayDemo(`stop failed: ${messageOf(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return onSignal;
}

/**
 * Calls `onOrphaned` once when the process that started this one is gone (checked every `everyMs`,
 * on a timer that keeps nothing alive). `npm start` runs the demo under `sh -c`, and a SIGTERM to
 * npm alone (a supervisor, `kill <npm's pid>`) ends npm and that shell without passing it on: the
 * demo served on, orphaned, holding its port. Ctrl-C signals the whole group and never needed this.
 * Only under npm: a demo started some other way may outlive its parent on purpose (`nohup … &`).
 */
export function stopWithParent(onOrphaned: (reason: string) => void, everyMs = 1000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    // An orphan is handed to another parent (init, or a subreaper).
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned('the npm process that started the demo is gone');
  }, everyMs);
  timer.unref();
}

/** The error for a listener that could not start (a taken port, an unknown host), saying what to change. */
export function cannotListen(host: string, port: number, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const hint =
    code === 'EADDRINUSE' || code === 'EACCES'
      ? '; set PORT to a free port (0: any free one)'
      : code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL'
        ? '; set HOST to an address of this machine'
        : '';
  return new Error(`cannot listen on ${urlHost(host)}:${port}: ${messageOf(error)}${hint}`);
}
