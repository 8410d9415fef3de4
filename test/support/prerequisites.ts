import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What some tests need from the machine: `README.md#prerequisites` says how to install each. */
export type Prerequisite = 'chromium' | 'redis-server' | 'redis-cli';

/** The executable names tried on PATH for Chromium, in this order (after `CHROMIUM_PATH`). */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

const HINT: Record<Prerequisite, string> = {
  chromium: `set CHROMIUM_PATH or put one of ${CHROMIUM_NAMES.join(', ')} on PATH`,
  'redis-server': 'put redis-server on PATH (Debian: apt-get install redis-server)',
  'redis-cli': 'put redis-cli on PATH (Debian: apt-get install redis-tools, which redis-server pulls in)',
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found as an executable file in `env.PATH`. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Chromium for playwright-core: `CHROMIUM_PATH` when set (it must then exist: a wrong path is a
 * mistake to report, not a reason to pick another browser), else the usual names on PATH.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['CHROMIUM_PATH'];
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  return findOnPath(CHROMIUM_NAMES, env);
}

/** Where the prerequisite is on this machine, if anywhere. */
export function locate(prerequisite: Prerequisite, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return prerequisite === 'chromium' ? findChromium(env) : findOnPath([prerequisite], env);
}

/**
 * True when `what` has to be skipped because `prerequisite` is missing: says so in one line. Under
 * `CI=true` a missing prerequisite throws instead, so CI never passes by skipping.
 *
 * @example
 * ```ts
 * describe.skipIf(skipWithout('chromium', 'the live view page test'))('the live view', () => { … });
 * ```
 */
export function skipWithout(
  prerequisite: Prerequisite,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.warn,
): boolean {
  if (locate(prerequisite, env)) return false;
  const why = `${prerequisite}, not found here: ${HINT[prerequisite]}`;
  if (env['CI'] === 'true') throw new Error(`${what} needs ${why} (CI=true: missing prerequisites fail, they do not skip)`);
  log(`skipped: ${what} needs ${why}`);
  return true;
}

/** The Chromium path, or a clear error (for code that runs only when `skipWithout` said false). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = findChromium(env);
  if (!path) throw new Error(`Chromium not found: ${HINT.chromium}`);
  return path;
}
