import type { McpError } from '../wire.js';

/**
 * The end of one inline call, for its work and for what outlives it: its work's `signal`, an ask the
 * work dropped, a client task it still follows (workContext.ts `inlineContext`). The call ends when
 * its work settles ({@link end}), or when the server shuts down ({@link shutDown}, from InlineRuns.ts),
 * which the work's signal, `over` and every follow all see. `over` is a flag every call has; the two
 * `AbortSignal`s are made only when read, as most works never read their signal and most inline
 * calls follow no client task: a controller, its abort and the reason's stack trace on every plain
 * `tools/call` would cost them all (issue 14).
 * @internal
 */
export class CallSettled {
  /** Whether the call is over: its work has settled, or the shutdown ended it. */
  over = false;
  private work: AbortController | undefined;
  private follows: AbortController | undefined;
  /** The shutdown's error, once {@link shutDown} ended the call. */
  private shutdown: McpError | undefined;

  constructor(private readonly tool: string) {}

  /**
   * The work's `signal`: aborts with the call's own `call` signal (cancelled, connection closed) or
   * with the shutdown error, at once if either has. Not when the work settles: that is its own end.
   */
  workSignal(call: AbortSignal): AbortSignal {
    return (this.work ??= abortingWith(call, this.shutdown)).signal;
  }

  /**
   * Aborts once the work has settled, the shutdown ended the call, or the call's own `call` signal
   * aborts (at once if any has): what a follow started by the work ends with. One per call, as the
   * call has one signal.
   */
  signal(call: AbortSignal): AbortSignal {
    const controller = (this.follows ??= abortingWith(call, this.shutdown));
    if (this.over && !controller.signal.aborted) controller.abort(this.reason());
    return controller.signal;
  }

  /**
   * The work settled: a follow of a client task its work started is cancelled (nobody awaits it).
   * Aborted before `over` is set: a follow's `tasks/cancel` goes out as the abort is dispatched,
   * and until `over` it takes the call's own stream, still open as the call's answer is not sent
   * yet. Once `over`, it takes the session's, which over Streamable HTTP is the client's optional
   * GET stream: with none open, the SDK's transport dropped the request and it waited out 60 s.
   */
  end(): void {
    this.follows?.abort(this.reason());
    this.over = true;
  }

  /**
   * The server shuts down (InlineRuns.ts), before the call is answered with `error`: the work's
   * signal aborts first, then its follows (on the call's stream, as in {@link end}); from then on the
   * call is `over`, and a signal read later is aborted with `error` already.
   */
  shutDown(error: McpError): void {
    if (this.shutdown) return;
    this.shutdown = error;
    this.work?.abort(error);
    this.follows?.abort(error);
    this.over = true;
  }

  private reason(): Error {
    return new Error(`The call of tool ${this.tool} has answered: its work no longer needs the answer`);
  }
}

/**
 * A controller that aborts with `call`, or at once with `ended` (an end already come) or with `call`'s
 * reason if it has aborted. AbortSignal.any needs Node 20.3; the listener goes with the call's signal.
 */
function abortingWith(call: AbortSignal, ended: unknown): AbortController {
  const controller = new AbortController();
  if (ended !== undefined) controller.abort(ended);
  else if (call.aborted) controller.abort(call.reason);
  else call.addEventListener('abort', () => controller.abort(call.reason), { once: true });
  return controller;
}
