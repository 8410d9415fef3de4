import type { RedisClient } from './scripts.js';
import { Waiters } from '../waiters.js';
import type { RedisKeys } from './keys.js';

/** Time ioredis takes to move a cluster subscription to another node, with margin. */
const RESUBSCRIBE_MS = 1000;

/**
 * The one subscriber connection of a backend: fans `t`/`q` events out to local waiters and
 * instance commands to their handler. After a reconnect every waiter is woken, so whatever was
 * published while the connection was down is re-checked instead of waited for forever.
 * @internal
 */
export class RedisEvents {
  readonly terminal = new Waiters();
  readonly queued = new Waiters();
  private readonly commandHandlers = new Map<string, (message: string) => void>();

  constructor(
    private readonly subscriber: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === keys.events) {
        const id = message.slice(2);
        if (message.startsWith('t ')) this.terminal.wake(id);
        else if (message.startsWith('q ')) this.queued.wake(id);
        return;
      }
      this.commandHandlers.get(channel)?.(message);
    });
    subscriber.on('ready', this.recheckAll);
    // On a cluster the subscription lives on one node; when a node fails, ioredis moves it to
    // another without a 'ready'. Whatever was published meanwhile is lost, so every waiter
    // re-checks now and once more after the move has had time to finish.
    for (const event of ['-node', 'node error']) {
      subscriber.on(event, () => {
        this.recheckAll();
        if (this.recheckTimer) return;
        this.recheckTimer = setTimeout(() => {
          this.recheckTimer = undefined;
          this.recheckAll();
        }, RESUBSCRIBE_MS);
        this.recheckTimer.unref?.();
      });
    }
  }

  private recheckTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly recheckAll = (): void => {
    this.terminal.wakeAll();
    this.queued.wakeAll();
  };

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.events);
  }

  async listen(channel: string, handler: (message: string) => void): Promise<void> {
    this.commandHandlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  /** Stops the delayed re-check (the backend is closing). */
  stop(): void {
    clearTimeout(this.recheckTimer);
  }

  async unlisten(channel: string): Promise<void> {
    this.commandHandlers.delete(channel);
    await this.subscriber.unsubscribe(channel).catch(() => {});
  }
}
