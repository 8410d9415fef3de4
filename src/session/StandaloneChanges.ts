/**
 * The listeners of a connection's standalone stream opening and dropping, which its transport's
 * follower tells (sdk/v1/transport.ts, sdk/v2/standaloneStream.ts): what `StandaloneStream.onChange`
 * (ServerHost.ts) subscribes. A follow waiting for the client to reopen its GET stream is woken by
 * an opening, and a request out on a stream that dropped is sent again (engine/streamGap.ts).
 * @internal
 */
export class StandaloneChanges {
  private readonly listeners = new Set<(change: 'opened' | 'dropped') => void>();

  /** Adds `listener`; returns its removal. */
  readonly on = (listener: (change: 'opened' | 'dropped') => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /** Tells each listener (on a copy, as a listener may remove itself). */
  tell(change: 'opened' | 'dropped'): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
