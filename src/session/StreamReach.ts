import type { StreamChange } from '../engine/streamGap.js';
import type { ConnectionPort, StandaloneStream } from './ServerHost.js';

/**
 * Who hears, on one session, of its standalone stream: a follow of a client task whose `tasks/get`
 * found no GET stream open waits for one, a request out on the stream is sent again when it drops
 * (engine/streamGap.ts). Each is told `opened` when a stream of the session's connection opens,
 * `dropped` when one ends, `closed` when that connection closes (none opens on it then). One per
 * session router.
 * @internal
 */
export class StreamReach {
  private readonly listeners = new Set<(change: StreamChange) => void>();
  /** The stream of the connection followed now: an old connection's streams ending tell nothing. */
  private followed: StandaloneStream | undefined;

  /** Hears the openings and ends of `connection`'s standalone stream, where its transport tells them. */
  follow(connection: ConnectionPort): void {
    const standalone = (this.followed = connection.standalone);
    // An older connection's stream tells nothing: this session's requests go on the current one.
    standalone?.onChange((change) => this.followed === standalone && this.tell(change));
  }

  /** The session's connection closed: no stream will open on it. */
  closed(): void {
    this.followed = undefined;
    this.tell('closed');
  }

  /** Adds `listener`; returns its removal. */
  readonly on = (listener: (change: StreamChange) => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  private tell(change: StreamChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
