import { limitExceeded } from '../errors.js';
import type { RateLimitName } from '../errors.js';
import type { RateLimit } from './limits.js';

/** Buckets kept at most; beyond, the least recently created goes (that caller gets a fresh bucket). */
const MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, the limiter's clock). */
  at: number;
}

/**
 * Per-caller token buckets. Memory stays bounded by the callers active within one refill window:
 * a bucket idle long enough to be full again behaves exactly like no bucket, so a sweep drops
 * those, run by `tryTake` once per refill window (clamped to 1 s … 1 min; no timer to stop); and
 * never more than 100,000 buckets are kept.
 * @internal
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Time (ms) an empty bucket takes to fill: after that, an idle bucket is certainly full. */
  private readonly refillMs: number;
  private lastSweep: number;

  constructor(
    readonly name: RateLimitName,
    readonly rate: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refillMs = (rate.burst / rate.perSecond) * 1000;
    this.lastSweep = now();
  }

  /** Whether this limiter limits anything. */
  get enabled(): boolean {
    return this.rate.perSecond !== Infinity && this.rate.burst !== Infinity;
  }

  /**
   * Takes one token of `key`'s bucket: 0 when taken, else the ms until one is available (the
   * refused request takes nothing, so a client that waits that long gets through).
   */
  tryTake(key: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    this.sweep(now);
    const { perSecond, burst } = this.rate;
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perSecond) / 1000);
      bucket.at = now;
    } else {
      bucket = { tokens: burst, at: now };
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / perSecond));
  }

  /** {@link tryTake}, throwing the -32029 limit error (with `data.retryAfterMs`) when refused. */
  take(key: string, what: string): void {
    const retryAfterMs = this.tryTake(key);
    if (retryAfterMs === 0) return;
    const { perSecond, burst } = this.rate;
    throw limitExceeded(`Too many ${what} from this caller (${this.name} ${perSecond}/s, burst ${burst}); retry in ${retryAfterMs} ms`, {
      limit: this.name,
      max: perSecond,
      retryAfterMs,
    });
  }

  /**
   * Gives back the token a {@link take} of `key` took, when a later check refused the same request
   * (the live-task count, the memory budget): a refused request takes no token, or a caller that
   * retries at its live-task cap spent its creation burst and was then refused by the rate too.
   */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.rate.burst, bucket.tokens + 1);
  }

  /** Callers with a bucket right now (for leak checks). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < Math.min(Math.max(this.refillMs, 1000), 60_000)) return;
    this.lastSweep = now;
    const { perSecond, burst } = this.rate;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * perSecond) / 1000 >= burst) this.buckets.delete(key);
    }
  }
}
