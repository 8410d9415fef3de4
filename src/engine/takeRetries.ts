import { nextBackoff, pause } from '../backoff.js';
import { isUnavailable } from '../errors.js';
import { McpError } from '../wire.js';

/** The first pause before a take's store call is tried again (ms); each next one doubles, up to {@link TAKE_RETRY_MAX_PAUSE_MS}. */
const TAKE_RETRY_FIRST_PAUSE_MS = 100;

/** The longest pause between two tries of a take's store call (ms). */
const TAKE_RETRY_MAX_PAUSE_MS = 1_000;

/**
 * How long after a take's first store error its calls are still tried again (ms): 8 tries in all
 * when each fails at once (pauses of 0.1, 0.2, 0.4, 0.8, then 1 s). Long enough for the blips a
 * worker meets: a reset connection is back within about half a second (the Redis backend
 * reconnects at most 500 ms apart), a `CLIENT PAUSE` or a failover to a replica within a few
 * seconds. Short against the job's lock (`lockDurationMs`, 10 s by default), which BullMQ must
 * renew on the same Redis meanwhile: an outage longer than that hands the job to another worker
 * anyway. The budget counts from the first error; a try that hangs rather than fails takes up to
 * its `storeTimeout` (5 s by default) on top, so a take against a silent Redis may outlast the lock.
 * @internal
 */
export const TAKE_RETRY_BUDGET_MS = 5_000;

/** Runs one store call of a take, tried again while its error may pass. @internal */
export type TakeRetry = <T>(call: () => Promise<T>) => Promise<T>;

/** What ends a take's retries, and who hears that they began. @internal */
export interface TakeRetryOptions {
  /** Aborts when the worker's close begins: a pause under way ends at once, and no try follows. */
  readonly signal: AbortSignal;
  /** Called once, at the take's first retry, with the error it retries. */
  retrying(error: unknown): void;
}

/**
 * Whether a store call's error may pass: the store guard's "Task store/queue unavailable" (the
 * backend threw or did not answer in time), or a backend error that no guard mapped (the cluster's
 * claim: ioredis' "Connection is closed", a READONLY or LOADING reply during a failover). An
 * `McpError` that is no such failure (a record that cannot be read) is an answer: it is not retried.
 * @internal
 */
export function transientStoreError(error: unknown): boolean {
  return isUnavailable(error) || !(error instanceof McpError);
}

/**
 * The retries of one worker's take of a job: each store call it makes through the returned function
 * is tried again after a transient error ({@link transientStoreError}), with doubling pauses, as long
 * as {@link TAKE_RETRY_BUDGET_MS} since the take's first error allows and the worker is not closing;
 * then the call's last error is thrown, as a take without retries threw its first. One budget per
 * take, not per call: a store away for good costs the job about 5 s, however many calls meet it.
 * @internal
 */
export function takeRetries(options: TakeRetryOptions): TakeRetry {
  let firstError: number | undefined;
  let previous = 0;
  let announced = false;
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        const result = await call();
        previous = 0;
        return result;
      } catch (error) {
        if (!transientStoreError(error)) throw error;
        const now = Date.now();
        firstError ??= now;
        const wait = nextBackoff(previous, TAKE_RETRY_FIRST_PAUSE_MS, TAKE_RETRY_MAX_PAUSE_MS);
        if (options.signal.aborted || now - firstError + wait > TAKE_RETRY_BUDGET_MS) throw error;
        if (!announced) {
          announced = true;
          options.retrying(error);
        }
        previous = wait;
        // Ended at once by the close's signal: no timer is left behind it.
        await pause(wait, options.signal);
        if (options.signal.aborted) throw error;
      }
    }
  };
}
