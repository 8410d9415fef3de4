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
