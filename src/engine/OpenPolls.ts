import type { StreamChange } from './streamGap.js';

/** What the count hears of a follow's channel (ClientTasks.ts `ClientChannel`). */
interface PollChannel {
  onReachable?(listener: (change: StreamChange) => void): (() => void) | undefined;
}

/**
 * tasks/get requests out at once for one follow. A poll goes out every interval whether or not the
 * last one was answered (a slow client still sees one per interval); a client that never answers
 * gathered one more pending request, with its 60 s timer, every 10 ms. A client that suggests 1 s
 * and answers within the SDK's 60 s timeout never reaches it.
 */
const MAX_POLLS_OUT = 64;

/**
 * The `tasks/get` polls one follow has out, numbered in the order they were sent. A poll out on the
 * session's standalone stream when it drops is lost with it (the client had not read it, or its
 * answer is dropped): it no longer counts against {@link MAX_POLLS_OUT}, where it held a slot until
 * the SDK's 60 s timeout, and a client slower than the interval saw no poll for that long after its
 * GET reconnected. Its late settling is then told apart ({@link settled} is false).
 * @internal
 */
export class OpenPolls {
  private readonly out = new Set<number>();
  private sentCount = 0;
  /** Hears the stream's drops while polls are out (a listener per follow, not per poll). */
  private stopHearing: (() => void) | undefined;

  constructor(private readonly channel: PollChannel) {}

  /** Whether no more may go out now. */
  get full(): boolean {
    return this.out.size >= MAX_POLLS_OUT;
  }

  /** The number of the latest poll sent (0 before the first). */
  get latest(): number {
    return this.sentCount;
  }

  /** A poll goes out: its number. */
  sent(): number {
    if (this.out.size === 0)
      this.stopHearing = this.channel.onReachable?.((change) => {
        if (change === 'dropped') this.end();
      });
    const seq = ++this.sentCount;
    this.out.add(seq);
    return seq;
  }

  /** Poll `seq` was answered or failed: false when it was lost with its stream before (its outcome is not the follow's news). */
  settled(seq: number): boolean {
    if (!this.out.delete(seq)) return false;
    if (this.out.size === 0) this.unhear();
    return true;
  }

  /** Every poll out is lost (their stream dropped), or the follow ended: none is counted any more. */
  end(): void {
    this.out.clear();
    this.unhear();
  }

  private unhear(): void {
    this.stopHearing?.();
    this.stopHearing = undefined;
  }
}
