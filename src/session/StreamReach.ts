import type { ConnectionPort } from './ServerHost.js';

/**
 * Who waits, on one session, for its standalone stream to carry requests again: a follow of a
 * client task whose `tasks/get` found no GET stream open (engine/streamGap.ts). Each is told `true`
 * when a stream of the session's connection opens, `false` when that connection closes (none
 * opens on it then). One per session router.
 * @internal
 */
export class StreamReach {
  private readonly listeners = new Set<(reachable: boolean) => void>();

  /** Hears the openings of `connection`'s standalone stream, where its transport tells them. */
  follow(connection: ConnectionPort): void {
    connection.standalone?.onOpen?.(() => this.tell(true));
  }

  /** The session's connection closed: no stream will open on it. */
  closed(): void {
    this.tell(false);
  }

  /** Adds `listener`; returns its removal. */
  readonly on = (listener: (reachable: boolean) => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /** How many wait now (a leak shows here). */
  get listening(): number {
    return this.listeners.size;
  }

  private tell(reachable: boolean): void {
    for (const listener of [...this.listeners]) listener(reachable);
  }
}
