import { mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';
import { firstAborted } from '../followSignals.js';

/**
 * What a follow hears of its session's standalone stream (ClientTasks.ts `ClientChannel.onReachable`):
 * a stream `opened`, one `dropped` (what it carried may be lost with it), the session `closed` (none opens then).
 */
export type StreamChange = 'opened' | 'dropped' | 'closed';

/** What the wait reads of a follow's channel (ClientTasks.ts `ClientChannel`). @internal */
export interface StreamChannel {
  canSend?(): boolean;
  onReachable?(listener: (change: StreamChange) => void): (() => void) | undefined;
}

/**
 * How long a follow waits for the session's standalone stream to open again (ms) before it fails:
 * a client reconnecting its GET, or a proxy cycling the connection, takes a moment, and its task
 * (an open dialog, say) is still there. The client's ttl, when shorter, ends the follow first. Not
 * an option: no deployment has asked to tune it. A test shortens it here.
 * @internal
 */
export const streamGrace = { ms: 60_000 };

const refusals = new WeakSet<object>();

/**
 * The refusal of a request while the session has no standalone stream open (SessionRouter's
 * channel): the SDK's transport would drop it without an error. Nothing was sent, so a follow
 * waits for the stream and sends it then ({@link isNotCarried}).
 * @internal
 */
export function notCarried(method: string): Error {
  const error = mcpError(ErrorCode.ConnectionClosed, `${method} not sent: the session has no standalone stream (GET) open to carry it`);
  refusals.add(error);
  return error;
}

/** Whether `error` is a {@link notCarried} refusal (any other failure of a request stays one). */
export function isNotCarried(error: unknown): boolean {
  return typeof error === 'object' && error !== null && refusals.has(error);
}

/** Whether `channel` has no stream to carry a request now, and can tell when one opens: a wait, not a failure. */
export function awaitsStream(channel: StreamChannel): boolean {
  return channel.canSend?.() === false && channel.onReachable !== undefined;
}

/**
 * Resolves once `channel` can send again (the client opened its GET stream); rejects with a -32000
 * saying why `method` was not sent when the session closes or none opens within {@link streamGrace}, or with the
 * reason of the first of `signals` to abort. Woken by the stream's opening, not by a timer; once
 * settled it leaves no listener or timer.
 * @internal
 */
export function streamReopened(channel: StreamChannel, method: string, signals: readonly AbortSignal[]): Promise<void> {
  const { ms } = streamGrace;
  return new Promise<void>((resolve, reject) => {
    const aborted = firstAborted(signals);
    if (aborted) return reject(aborted.reason as Error);
    const notSent = (why: string): Error => mcpError(ErrorCode.ConnectionClosed, `${method} not sent: ${why}`);
    const end = (error?: unknown): void => {
      clearTimeout(timer);
      unsubscribe?.();
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => end(firstAborted(signals)!.reason);
    // Each callback below runs after these three are set: a timer, a listener, an abort all come later.
    const timer = setTimeout(() => end(notSent(`the session's standalone stream (GET) did not open again within ${ms / 1000} s`)), ms);
    const unsubscribe = channel.onReachable?.((change) => {
      if (change === 'closed') end(notSent('the session closed before its standalone stream (GET) opened again'));
      // Another connection's stream, or one closed again at once: the wait goes on.
      else if (change === 'opened' && channel.canSend?.() !== false) end();
    });
    if (!unsubscribe) return end(notSent('the session is closed'));
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `send(lost)` once `channel` can carry it: at once while its stream is open; else after the stream
 * opened again ({@link streamReopened}), and again if it was refused for want of a stream. A stream
 * that drops while the request is out aborts `lost` and sends it again the same way: a request the
 * client had not read is gone with the stream (an open `tasks/result` waited for nothing until the
 * client's ttl), and the aborted one's failure is not the follow's (the client, if it read it,
 * answers the new one too; its answer to the old one is dropped).
 * @internal
 */
export async function sentOnStream<T>(
  channel: StreamChannel,
  method: string,
  signals: readonly AbortSignal[],
  send: (lost: AbortSignal) => Promise<T>,
): Promise<T> {
  for (;;) {
    if (awaitsStream(channel)) await streamReopened(channel, method, signals);
    const lost = new AbortController();
    const unsubscribe = channel.onReachable?.((change) => {
      if (change === 'dropped') lost.abort(new Error(`${method} lost with the standalone stream (GET) that carried it`));
    });
    try {
      return await send(lost.signal);
    } catch (error) {
      if (firstAborted(signals)) throw error;
      // Lost with its stream, or refused because the stream dropped between the look and the send: wait for it again.
      if (!lost.signal.aborted && (!isNotCarried(error) || channel.onReachable === undefined)) throw error;
    } finally {
      unsubscribe?.();
    }
  }
}

/**
 * A follow's wait for the stream its polls need, one at a time: `start` waits unless it does
 * already, `end` (the follow left `working`, or ended) stops it silently.
 * @internal
 */
export class PollGap {
  private wait: AbortController | undefined;

  constructor(private readonly channel: StreamChannel) {}

  get waiting(): boolean {
    return this.wait !== undefined;
  }

  /** Calls `resume` once the stream opened again, `fail` when the session closed or none opened within streamGrace. */
  start(resume: () => void, fail: (error: unknown) => void): void {
    if (this.wait) return;
    const wait = (this.wait = new AbortController());
    // Only while this wait is the follow's: one ended neither polls nor fails it.
    const current = (): boolean => {
      if (this.wait !== wait) return false;
      this.wait = undefined;
      return true;
    };
    streamReopened(this.channel, 'tasks/get', [wait.signal]).then(
      () => current() && resume(),
      (error: unknown) => current() && fail(error),
    );
  }

  end(): void {
    this.wait?.abort();
    this.wait = undefined;
  }
}
