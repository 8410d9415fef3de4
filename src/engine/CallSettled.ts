/**
 * The end of one inline call's work, for what outlives it: an ask the work dropped, a client task
 * it still follows (workContext.ts `inlineContext`). `over` is a flag every call has; the
 * `AbortSignal` is made only when a follow asks for it, as most inline calls follow no client task
 * and a controller, its abort and the reason's stack trace on every plain `tools/call` would cost
 * them all (issue 14).
 * @internal
 */
export class CallSettled {
  /** Whether the call's work has settled. */
  over = false;
  private controller: AbortController | undefined;

  constructor(private readonly tool: string) {}

  /**
   * Aborts once the work has settled or the call's own `call` signal aborts (at once if either has):
   * what a follow started by the work ends with. One per call, as the call has one signal.
   */
  signal(call: AbortSignal): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      // AbortSignal.any needs Node 20.3; the listener goes with the call.
      if (call.aborted) controller.abort(call.reason);
      else call.addEventListener('abort', () => controller.abort(call.reason), { once: true });
    }
    if (this.over && !this.controller.signal.aborted) this.controller.abort(this.reason());
    return this.controller.signal;
  }

  /**
   * The work settled: a follow of a client task its work started is cancelled (nobody awaits it).
   * Aborted before `over` is set: a follow's `tasks/cancel` goes out as the abort is dispatched,
   * and until `over` it takes the call's own stream, still open as the call's answer is not sent
   * yet. Once `over`, it takes the session's, which over Streamable HTTP is the client's optional
   * GET stream: with none open, the SDK's transport dropped the request and it waited out 60 s.
   */
  end(): void {
    this.controller?.abort(this.reason());
    this.over = true;
  }

  private reason(): Error {
    return new Error(`The call of tool ${this.tool} has answered: its work no longer needs the answer`);
  }
}
