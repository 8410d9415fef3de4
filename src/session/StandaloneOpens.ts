/**
 * The listeners of a connection's standalone stream opening, which its transport's follower tells
 * (sdk/v1/transport.ts, sdk/v2/standaloneStream.ts): what `StandaloneStream.onOpen` (ServerHost.ts) subscribes.
 * A follow waiting for the client to reopen its GET stream is woken by it (engine/streamGap.ts).
 * @internal
 */
export class StandaloneOpens {
  private readonly listeners = new Set<() => void>();

  /** Adds `listener`; returns its removal. */
  readonly on = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /** A standalone stream opened: tells each listener (on a copy, as a listener may remove itself). */
  opened(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
