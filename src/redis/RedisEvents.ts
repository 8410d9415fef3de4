import type { Redis } from 'ioredis';
import { Waiters } from '../backends/Waiters.js';
import type { RedisKeys } from './keys.js';

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
    private readonly subscriber: Redis,
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
    subscriber.on('ready', () => {
      this.terminal.wakeAll();
      this.queued.wakeAll();
    });
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.events);
  }

  async listen(channel: string, handler: (message: string) => void): Promise<void> {
    this.commandHandlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  async unlisten(channel: string): Promise<void> {
    this.commandHandlers.delete(channel);
    await this.subscriber.unsubscribe(channel).catch(() => {});
  }
}
