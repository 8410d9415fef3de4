import { MAX_TIMER_MS } from '../timerBounds.js';

/**
 * A whole number from the environment, between `min` and `max`; unset or blank means the default
 * (undefined). Anything else throws, naming the variable and what it got.
 */
export function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max?: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (value >= min && value <= (max ?? Number.MAX_SAFE_INTEGER)) return value;
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  throw new Error(`${name} must be a whole number ${range}, got "${raw}"`);
}

/**
 * A number of ms from the environment for a timer ({@link wholeNumberFromEnv}, at least 1): one past
 * Node's longest timer (about 24.8 days) throws too, since Node would fire it after 1 ms (a
 * countdown "second" of 3e9 ms ran at once; a lease that long renewed every millisecond).
 */
export function timerMsFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = wholeNumberFromEnv(env, name, 1);
  if (value === undefined || value <= MAX_TIMER_MS) return value;
  throw new Error(`${name} must be at most ${MAX_TIMER_MS} ms (the longest timer Node runs), got "${env[name]?.trim()}"`);
}
