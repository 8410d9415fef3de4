import { timerMsFromEnv, wholeNumberFromEnv } from './envNumber.js';
import { statelyPortFromArgs } from './observability.js';
import { operatorFromArgs } from './operator.js';
import type { OperatorOptions } from './operator.js';
import { roleFromArgs } from './workerRole.js';
import type { DemoRole } from './workerRole.js';

/** What `npm start` was asked to run, read from its command line and environment. */
export interface DemoConfig {
  /** `PORT`, default 3000 (0: a free one). */
  port: number;
  /** `HOST`, default `127.0.0.1`. */
  host: string;
  /** `--sdk v1|v2`, default v1. */
  sdk: 'v1' | 'v2';
  /** `--stateless` (SDK v1 only). */
  stateless: boolean;
  /** `--role front|worker|both` (SDK v1 only), default both. */
  role: DemoRole;
  /** `--inspect[=port]` (SDK v1 only): the Stately relay's port. */
  statelyPort: number | undefined;
  /** `--live-view`, `--no-live-view`, `MTA_OPERATOR_TOKEN`. */
  operator: OperatorOptions;
  /** `DEMO_SECOND_MS`: length of a countdown second (tests shorten it). */
  secondMs: number | undefined;
}

const USAGE = 'npm start -- [--sdk v1|v2] [--stateless] [--role front|worker|both] [--inspect[=port]] [--live-view|--no-live-view]';
/** Flags that take the next argument as their value. */
const WITH_VALUE = ['--sdk', '--role'];
const SWITCHES = ['--stateless', '--inspect', '--live-view', '--no-live-view'];

/**
 * Checks the whole command line and environment before anything starts, so a typo ends the
 * demo with one line naming it instead of being ignored (`--bogus`) or failing later with a
 * stack trace (`PORT=abc` reached `listen`). Throws an Error whose message is that line.
 */
export function demoConfig(args: readonly string[], env: NodeJS.ProcessEnv): DemoConfig {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (WITH_VALUE.includes(arg)) {
      if (args[++i] === undefined) throw new Error(`${arg} needs a value; usage: ${USAGE}`);
    } else if (!SWITCHES.includes(arg) && !arg.startsWith('--inspect=')) throw new Error(`unknown argument "${arg}"; usage: ${USAGE}`);
  }
  const conflict = contradiction(args);
  if (conflict !== undefined) throw new Error(`${conflict}; give one. usage: ${USAGE}`);
  const sdk = args.includes('--sdk') ? args[args.indexOf('--sdk') + 1] : 'v1';
  if (sdk !== 'v1' && sdk !== 'v2') throw new Error(`--sdk must be v1 or v2, got ${String(sdk)}`);
  const host = env['HOST']?.trim() || '127.0.0.1';
  const config: DemoConfig = {
    port: wholeNumberFromEnv(env, 'PORT', 0, 65535) ?? 3000,
    host,
    sdk,
    stateless: args.includes('--stateless'),
    role: roleFromArgs(args),
    statelyPort: statelyPortFromArgs(args, env),
    operator: operatorFromArgs(args, env, host),
    secondMs: timerMsFromEnv(env, 'DEMO_SECOND_MS'),
  };
  // The v2 demo has no sessionful mode to drop, no worker pool and no Stately feed: refused, not ignored.
  if (sdk === 'v2' && config.stateless) {
    throw new Error('--stateless is for the SDK v1 demo (the --sdk v2 demo already serves 2026-07-28 statelessly)');
  }
  if (sdk === 'v2' && args.includes('--role')) throw new Error('--role is for the SDK v1 demo');
  if (sdk === 'v2' && config.statelyPort !== undefined) throw new Error('--inspect is for the SDK v1 demo');
  return config;
}

/**
 * Flags that contradict each other: a switch and its `--no-` form, or one flag given twice with two
 * values (`--sdk v1 --sdk v2`, `--inspect --inspect=9000`). Read silently, one of them won by its
 * place in the code, not by anything the person typed; undefined when there is none.
 */
function contradiction(args: readonly string[]): string | undefined {
  // One walk by position, as demoConfig reads them: a flag taken as another's value is that value.
  const switches = new Set<string>();
  const given = new Map<string, Set<string>>();
  const note = (flag: string, value: string): void => void given.set(flag, (given.get(flag) ?? new Set()).add(value));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (WITH_VALUE.includes(arg)) note(arg, String(args[++i]));
    else if (arg === '--inspect' || arg.startsWith('--inspect=')) note('--inspect', arg);
    else switches.add(arg);
  }
  for (const negated of [...switches].filter((flag) => flag.startsWith('--no-'))) {
    const flag = `--${negated.slice('--no-'.length)}`;
    if (switches.has(flag)) return `${flag} and ${negated} contradict each other`;
  }
  for (const [flag, values] of given) {
    if (values.size > 1) return `${flag} is given more than once with different values (${[...values].join(', ')})`;
  }
  return undefined;
}
