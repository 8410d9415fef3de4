import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import type { McpError } from '../wire.js';
import type { RunContext } from './TaskSpec.js';

/**
 * The inline runs in flight (an `optional` tool called without `task`, answered on its own call),
 * so that `TaskSupport.close` can end them as it ends tasks: each run's work sees its `signal` abort
 * with the shutdown error (-32603), and its call is answered with that error at once, while its
 * stream is still open. Before, nothing ended an inline run: the host's close then closed the
 * stream with the call unanswered, and the client waited out its request timeout (60 s on SDK v1).
 * A work that ignores its signal holds nothing: as with a task's, its late end is read by no one.
 * @internal
 */
export class InlineRuns {
  private readonly runs = new Set<InlineRun>();
  private closing = false;

  /**
   * Runs `body` (the work of `context`, an inline call of `tool`) until it settles, or until
   * {@link close} rejects it with the shutdown error. From now on `context.signal` also aborts at close.
   * Once close began, rejects at once: no work starts then, as no task does.
   */
  run<T>(tool: string, context: RunContext, body: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(shutDown(tool));
    const run = new InlineRun(tool, context.signal);
    context.inlineRun = run;
    this.runs.add(run);
    return Promise.race([body(), run.stop]).finally(() => this.runs.delete(run));
  }

  /**
   * `wait`, or the shutdown error once {@link close} begins: for a call answered inline whose work
   * runs as a task (an extension client's `optional` tool before it is promoted), whose answer
   * otherwise came from the store after the shutdown had failed the task, after the host had closed
   * the stream. The task itself ends as every task does at close.
   */
  hold<T>(tool: string, wait: Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(shutDown(tool));
    const run = new InlineRun(tool, NEVER_ABORTED);
    this.runs.add(run);
    return Promise.race([wait, run.stop]).finally(() => this.runs.delete(run));
  }

  /**
   * Ends every run in flight and refuses new ones. Resolves after a turn of the event loop: the
   * calls' answers are handed to their transports in the microtasks after the rejection, so a
   * transport closed once this resolves has sent them (unless its send waits for I/O itself, as an
   * event store's does).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const runs = [...this.runs];
    this.runs.clear();
    for (const run of runs) run.end();
    if (runs.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The call signal of a {@link InlineRuns.hold}: its work reads a task's signal, never this one. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * One inline run: its work's signal, which aborts with the call's own signal (cancelled, connection
 * closed) or with the shutdown error, made only when the work reads it (most never do).
 */
class InlineRun {
  /** Rejects with the shutdown error at close; never settles otherwise. */
  readonly stop: Promise<never>;
  private reject!: (error: McpError) => void;
  private controller: AbortController | undefined;
  private ended: McpError | undefined;

  constructor(
    private readonly tool: string,
    private readonly call: AbortSignal,
  ) {
    this.stop = new Promise<never>((_, reject) => (this.reject = reject));
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      const { call } = this;
      if (this.ended) controller.abort(this.ended);
      else if (call.aborted) controller.abort(call.reason);
      // AbortSignal.any needs Node 20.3; the listener goes with the call's signal.
      else call.addEventListener('abort', () => controller.abort(call.reason), { once: true });
    }
    return this.controller.signal;
  }

  /** The server shuts down: the work's signal aborts first, then the call is answered. */
  end(): void {
    const error = (this.ended = shutDown(this.tool));
    this.controller?.abort(error);
    this.reject(error);
  }
}

/** The answer to an inline call the shutdown ended: -32603, as a task the shutdown ends (Shutdown.ts). */
function shutDown(tool: string): McpError {
  return mcpError(ErrorCode.InternalError, `Server is shutting down: the call of tool ${tool} was stopped before it finished`);
}
