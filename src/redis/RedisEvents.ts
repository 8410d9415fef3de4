import type { RedisClient } from './scripts.js';
import { Waiters } from '../backends/Waiters.js';
import type { RedisKeys } from './keys.js';
import { StoredAnswers } from './StoredAnswers.js';

/** Time ioredis takes to subscribe again on a new connection, with margin. */
const RESUBSCRIBE_MS = 1000;
/** How often the cluster subscription's connection is looked at (no Redis call: a field read). */
const WATCH_MS = 200;
/** Without ioredis's internals, every waiter re-checks this many watch ticks apart (5 s). */
const WATCH_FALLBACK_TICKS = 25;

interface NodeConnection {
  status: string;
  once(event: 'ready', listener: () => void): unknown;
}

/**
 * The one subscriber connection of a backend: fans `t`/`q` events out to local waiters and
 * instance commands to their handler. After a reconnect every waiter is woken, so whatever was
 * published while the connection was down is re-checked instead of waited for forever.
 * @internal
 */
export class RedisEvents {
  readonly terminal = new Waiters();
  readonly queued = new Waiters();
  /** Answers stored for the tasks run here: the queue's looks take them, the cluster passes them on. */
  readonly answers = new StoredAnswers();
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
    // ioredis subscribes again only to channels whose SUBSCRIBE succeeded: one made while Redis was
    // away (an instance started in a blip) is sent again here, or its commands never arrived.
    subscriber.on('ready', () => {
      for (const channel of this.commandHandlers.keys()) this.subscriber.subscribe(channel).catch(() => {});
    });
    // On a cluster the subscription lives on one node; when that node fails, ioredis moves it to
    // another without any event on the client, and what was published meanwhile is lost. So the
    // subscription's connection is watched: every new one makes every waiter re-check its task
    // when it is ready, and once more after the channels have had time to be subscribed again.
    if (subscriber.isCluster) {
      this.watchTimer = setInterval(() => this.watchSubscription(), WATCH_MS);
      this.watchTimer.unref?.();
    }
    for (const event of ['-node', 'node error']) subscriber.on(event, this.recheckSoon);
  }

  private recheckTimer: ReturnType<typeof setTimeout> | undefined;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private watched: object | null | undefined;

  /** Re-checks now and once more after a resubscription has had time to finish. */
  private readonly recheckSoon = (): void => {
    this.recheckAll();
    if (this.recheckTimer) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.recheckAll();
    }, RESUBSCRIBE_MS);
    this.recheckTimer.unref?.();
  };

  private watchSubscription(): void {
    // ioredis internals (Cluster.subscriber, a ClusterSubscriber): if a version lacks them, the
    // fallback is a re-check every WATCH_FALLBACK_TICKS ticks.
    const internals = this.subscriber as unknown as { subscriber?: { getInstance?(): NodeConnection | null } };
    const getInstance = internals.subscriber?.getInstance;
    if (typeof getInstance !== 'function') {
      if (++this.ticks % WATCH_FALLBACK_TICKS === 0) this.recheckAll();
      return;
    }
    const current = getInstance.call(internals.subscriber) ?? null;
    if (current === this.watched) return;
    const first = this.watched === undefined;
    this.watched = current;
    if (first || !current) return;
    if (current.status === 'ready') this.recheckSoon();
    else current.once('ready', this.recheckSoon);
  }

  private ticks = 0;

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
    clearInterval(this.watchTimer);
  }

  /**
   * Stops handling `channel`'s commands at once; the UNSUBSCRIBE is not waited for: on a cluster
   * node that stalls (`kill -STOP`: no error, no answer) it held `TaskSupport.close()` until the node
   * ran again, and a message that still arrives finds no handler.
   */
  async unlisten(channel: string): Promise<void> {
    this.commandHandlers.delete(channel);
    this.subscriber.unsubscribe(channel).catch(() => {});
  }
}
