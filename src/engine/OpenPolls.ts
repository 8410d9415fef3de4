import type { StreamChannel } from './streamGap.js';

/**
 * tasks/get requests out at once for one follow. A poll goes out every interval whether or not the
 * last one was answered (a slow client still sees one per interval); a client that never answers
 * gathered one more pending request, with its 60 s timer, every 10 ms. A client that suggests 1 s
 * and answers within the SDK's 60 s timeout never reaches it.
 */
const MAX_POLLS_OUT = 64;

/**
 * Polls out and polls lost with a dropped stream, together: a lost poll is still pending in the SDK
 * (its 60 s timer) until it settles, so a client that never answers and drops its GET again and again
 * would otherwise add {@link MAX_POLLS_OUT} pending requests per drop. Past it no poll goes out until
 * some settle (each does within the SDK's timeout); the client's ttl, or the stream's grace, still
 * ends the follow.
 */
const MAX_POLLS_PENDING = 4 * MAX_POLLS_OUT;

/**
 * The `tasks/get` polls one follow has out, numbered in the order they were sent. A poll out on the
 * session's standalone stream when it drops is lost with it (the client had not read it, or its
 * answer is dropped): it no longer counts against {@link MAX_POLLS_OUT}, or a client slower than the
 * interval saw no poll until the SDK's 60 s timeout freed the slots after its GET reconnected. It
 * still counts against {@link MAX_POLLS_PENDING} until it settles, and its failure is told apart
 * ({@link settled} is false).
 * @internal
 */
export class OpenPolls {
  private readonly out = new Set<number>();
  /** Polls lost with a dropped stream, still pending in the SDK. */
  private readonly lost = new Set<number>();
  private sentCount = 0;
  /** Hears the stream's drops while polls are out (a listener per follow, not per poll). */
  private stopHearing: (() => void) | undefined;

  constructor(private readonly channel: Pick<StreamChannel, 'onReachable'>) {}

  /** Whether no more may go out now. */
  get full(): boolean {
    return this.out.size >= MAX_POLLS_OUT || this.out.size + this.lost.size >= MAX_POLLS_PENDING;
  }

  /** The number of the latest poll sent (0 before the first). */
  get latest(): number {
    return this.sentCount;
  }

  /** A poll goes out: its number. */
  sent(): number {
    if (this.out.size === 0)
      this.stopHearing = this.channel.onReachable?.((change) => {
        if (change === 'dropped') this.dropped();
      });
    const seq = ++this.sentCount;
    this.out.add(seq);
    return seq;
  }

  /**
   * Poll `seq` was answered or failed: false when it was lost with its stream before. An answer is
   * news all the same (the client read the poll); only a lost poll's failure is not the follow's.
   */
  settled(seq: number): boolean {
    if (!this.out.delete(seq)) {
      this.lost.delete(seq);
      return false;
    }
    if (this.out.size === 0) this.unhear();
    return true;
  }

  /** The follow ended: no poll is counted any more (their answers are dropped). */
  end(): void {
    this.out.clear();
    this.lost.clear();
    this.unhear();
  }

  /** Every poll out is lost (their stream dropped): counted as pending only. */
  private dropped(): void {
    for (const seq of this.out) this.lost.add(seq);
    this.out.clear();
    this.unhear();
  }

  private unhear(): void {
    this.stopHearing?.();
    this.stopHearing = undefined;
  }
}
