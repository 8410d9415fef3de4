import { MAX_TIMER_MS } from '../timerBounds.js';
import type { TasksExtensionClientOptions } from './TasksExtensionClientOptions.js';

/** The numbers of {@link TasksExtensionClientOptions} with their defaults. @internal */
export interface CheckedClientOptions {
  defaultPollIntervalMs: number;
  maxConcurrentInputs: number;
}

/**
 * The numeric options of `TasksExtensionClient`, defaults filled in, refused at construction when a
 * call could not work with them: `defaultPollIntervalMs` of 0, below or NaN polled every 1 ms, and
 * one past `setTimeout`'s range (2^31-1 ms, e.g. `Infinity` for "rarely") fired after 1 ms as well;
 * `maxConcurrentInputs` of 0 or below never answered an input request, so the call waited for the
 * task's ttl, and NaN bounded nothing.
 * @throws RangeError naming the option.
 * @internal
 */
export function checkedClientOptions(options: TasksExtensionClientOptions): CheckedClientOptions {
  const defaultPollIntervalMs = options.defaultPollIntervalMs ?? 1000;
  if (!(typeof defaultPollIntervalMs === 'number' && defaultPollIntervalMs >= 1 && defaultPollIntervalMs <= MAX_TIMER_MS)) {
    throw new RangeError(
      `TasksExtensionClient: defaultPollIntervalMs must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(defaultPollIntervalMs)}`,
    );
  }
  const maxConcurrentInputs = options.maxConcurrentInputs ?? 8;
  if (!(maxConcurrentInputs === Infinity || (Number.isInteger(maxConcurrentInputs) && maxConcurrentInputs >= 1))) {
    throw new RangeError(
      `TasksExtensionClient: maxConcurrentInputs must be a whole number of at least 1 (or Infinity), got ${String(maxConcurrentInputs)}`,
    );
  }
  return { defaultPollIntervalMs, maxConcurrentInputs };
}

/**
 * A call's `requestTimeout`, refused before anything is sent when no timer can wait it: the SDK
 * hands it to `setTimeout`, which fires after 1 ms for 0, a negative, NaN or anything past 2^31-1
 * ms (`Infinity` for "no timeout" included), so every request of the call timed out at once, the
 * `tools/call` after it may have created a task that then ran on for nobody.
 * @throws RangeError naming the option.
 * @internal
 */
export function checkRequestTimeout(requestTimeout: number | undefined): void {
  if (requestTimeout === undefined) return;
  if (!(typeof requestTimeout === 'number' && requestTimeout >= 1 && requestTimeout <= MAX_TIMER_MS)) {
    throw new RangeError(
      `TasksExtensionClient: requestTimeout must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(requestTimeout)}`,
    );
  }
}
